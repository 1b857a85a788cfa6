namespace Tsumugi.Datasets.Tokenize;

/// <summary>
/// Progress of a <see cref="DatasetTokenizer"/> run. Bytes advance when a whole input file is done (compressed files
/// give no honest position inside them); documents and tokens advance with every encoded batch.
/// </summary>
public readonly record struct TokenizeProgress(int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, long Documents, long Tokens);
