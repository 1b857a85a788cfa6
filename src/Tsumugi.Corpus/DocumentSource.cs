namespace Tsumugi.Corpus;

/// <summary>Where a document came from: the file, and the 1-based line (text/JSONL) or the row/offset (Parquet).</summary>
public readonly record struct DocumentSource(string File, long Line, long Offset)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}" : $"{File}@{Offset}";
}
