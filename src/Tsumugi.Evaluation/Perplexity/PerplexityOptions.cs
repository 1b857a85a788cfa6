namespace Tsumugi.Evaluation.Perplexity;

/// <summary>Window length (tokens the model sees at once), stride between windows, rows per forward pass.</summary>
public sealed record PerplexityOptions(int Context, int Stride, int BatchSize)
{
    /// <summary>Documents tokenized and scored together; bounds memory on large corpora.</summary>
    public int DocumentsPerChunk { get; init; } = 256;
}
