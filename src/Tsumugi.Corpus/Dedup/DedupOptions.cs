namespace Tsumugi.Corpus.Dedup;

/// <summary>Settings of the global dedup stage.</summary>
public sealed class DedupOptions
{
    public MinHashOptions MinHash { get; set; } = new();
    /// <summary>Exact duplicates (hash of the text, lower-cased, whitespace removed).</summary>
    public bool Exact { get; set; } = true;
    /// <summary>Near duplicates (MinHash LSH).</summary>
    public bool Near { get; set; } = true;
    /// <summary>Keep the newest copy (the last in input order, Swallow's <c>-r</c>) instead of the first.</summary>
    public bool KeepNewest { get; set; }
    public int Workers { get; set; } = Environment.ProcessorCount;
    public int ZstdLevel { get; set; } = 3;
    /// <summary>
    /// Memory for the hash records (24 bytes per document and per band); beyond it they spill to sorted runs on disk.
    /// The per-document arrays (≈ 8 bytes per document) come on top.
    /// </summary>
    public long MemoryBytes { get; set; } = 1L << 30;
}
