namespace Tsumugi.Corpus.Reading;

/// <summary>What a reader yields: either a document or an issue (never both).</summary>
public readonly record struct ReadItem(Document? Document, ReadIssue? Issue)
{
    public static ReadItem Of(Document d) => new(d, null);
    public static ReadItem Of(ReadIssue i) => new(null, i);
}
