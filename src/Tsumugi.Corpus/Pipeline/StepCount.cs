namespace Tsumugi.Corpus.Pipeline;

/// <summary>Documents and characters counted under one heading (a rejecting step, a domain, …).</summary>
public sealed class StepCount
{
    public long Docs { get; set; }
    public long Chars { get; set; }

    public void Add(long docs, long chars) { Docs += docs; Chars += chars; }
}
