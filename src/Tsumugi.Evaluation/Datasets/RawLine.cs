namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// Where a raw record was read (dataset, file, 1-based line or JSON path) and what file was expected there, so a
/// wrong-layout error says in one line what is wrong and what to download instead.
/// </summary>
public readonly record struct RawLine(string Dataset, string File, string Where, string Expected)
{
    public InvalidDataException Error(string what) =>
        new($"{Dataset}: {File} {Where}: {what}. Expected {Expected}.");
}
