using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// Training options, named after sentencepiece's flags. Defaults are Llama/llm-jp style: identity normalization,
/// dummy prefix, no whitespace collapsing, byte fallback on.
/// </summary>
public sealed class TrainerOptions
{
    public SpmModelType ModelType { get; set; } = SpmModelType.Unigram;
    public int VocabSize { get; set; } = 32000;
    public double CharacterCoverage { get; set; } = 0.9995;
    public bool ByteFallback { get; set; } = true;
    public bool SplitDigits { get; set; }
    public bool SplitByWhitespace { get; set; } = true;
    public bool SplitByUnicodeScript { get; set; } = true;
    public bool SplitByNumber { get; set; } = true;
    public bool AllowWhitespaceOnlyPieces { get; set; }
    public int MaxPieceLength { get; set; } = 16;
    public bool AddDummyPrefix { get; set; } = true;
    public bool RemoveExtraWhitespaces { get; set; }
    public List<string> UserDefinedSymbols { get; set; } = [];
    public List<string> ControlSymbols { get; set; } = [];
    public string RequiredChars { get; set; } = "";
    /// <summary>Keep at most this many sentences (reservoir sampling with <see cref="Seed"/>); 0 = all.</summary>
    public int InputSentenceSize { get; set; }
    /// <summary>Longer lines are split at sentence ends (。．.!?！？ and newlines) rather than dropped.</summary>
    public int MaxSentenceBytes { get; set; } = 4192;
    public int Seed { get; set; } = 12345678;
    public int SeedPieceCount { get; set; } = 1_000_000;
    public double ShrinkingFactor { get; set; } = 0.75;
    public int NumSubIterations { get; set; } = 2;
    public int Threads { get; set; } = Environment.ProcessorCount;
    /// <summary>Progress messages (the library stays UI-free; the CLI renders them).</summary>
    public Action<string>? Log { get; set; }
}
