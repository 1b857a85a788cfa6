namespace Tsumugi.Corpus.Pipeline;

/// <summary>A filter and the documents it rejected (count, and share of the documents read).</summary>
public sealed record RejectedBy(string Filter, long Docs, double Share);
