namespace Tsumugi.Datasets;

/// <summary>How <see cref="IndexedDatasetWriter"/> stores documents and what it records in manifest.json.</summary>
public sealed record IndexedDatasetWriterOptions
{
    /// <summary>Vocabulary size of the tokenizer; picks the dtype and bounds every token id.</summary>
    public required int VocabularySize { get; init; }

    /// <summary>When set, appended to every document (Megatron <c>--append-eod</c>); part of the stored length.</summary>
    public int? EosId { get; init; }

    /// <summary>Overrides the dtype rule (uint16 below 65,500, else int32); must hold every id below the vocabulary size.</summary>
    public TokenDType? DType { get; init; }

    /// <summary>Hash of the tokenizer files, so a trainer can refuse data made with another tokenizer.</summary>
    public string? TokenizerHash { get; init; }

    /// <summary>Domain label (ja, en, code, math, …) for per-domain loss and mixtures.</summary>
    public string? Domain { get; init; }

    /// <summary>Write or update <c>manifest.json</c> beside the files (default true).</summary>
    public bool WriteManifest { get; init; } = true;
}
