namespace Tsumugi.Corpus.Pipeline;

/// <summary>Progress of a run, reported after each input file (UI-free: the CLI draws the bar).</summary>
public readonly record struct RunProgress(long BytesDone, long BytesTotal, int ShardsDone, int ShardsTotal);
