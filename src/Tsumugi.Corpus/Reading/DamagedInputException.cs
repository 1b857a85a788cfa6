namespace Tsumugi.Corpus.Reading;

/// <summary>
/// A compressed input whose data cannot be trusted past some point: <see cref="Kind"/> <c>truncated</c> (the file ends
/// early) or <c>corrupt</c> (a checksum or the compressed data itself is wrong). The message says which and where.
/// </summary>
public sealed class DamagedInputException(string kind, string message) : IOException(message)
{
    public const string Truncated = "truncated";
    public const string Corrupt = "corrupt";

    public string Kind { get; } = kind;
}
