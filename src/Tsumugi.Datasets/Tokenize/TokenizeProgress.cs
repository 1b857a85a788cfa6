namespace Tsumugi.Datasets.Tokenize;

/// <summary>
/// Progress of a <see cref="DatasetTokenizer"/> run. Bytes advance when a whole input file is done (compressed files
/// give no honest position inside them); documents and tokens advance with every encoded batch. While the shards are
/// merged, <paramref name="Merging"/> names the dataset being written and <paramref name="PartsMerged"/> counts its shards copied.
/// </summary>
public readonly record struct TokenizeProgress(int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, long Documents, long Tokens,
    string? Merging = null, int PartsMerged = 0);
