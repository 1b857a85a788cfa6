namespace Tsumugi.Corpus.Reading;

/// <summary>
/// A problem met while reading. <see cref="IsRecord"/> says whether it stands for a lost input record (counted as
/// "errored" so the books balance) or is a file-level notice (empty file, skipped file, invalid bytes).
/// </summary>
public sealed record ReadIssue(string Kind, string File, long Line, string Message, bool IsRecord, long Count = 1)
{
    public string Where => Line > 0 ? $"{File}:{Line}" : File;
    public override string ToString() => $"{Kind}: {Where}: {Message}";
}
