namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Where a record came from: a JSONL line (1-based <paramref name="Line"/>), or a record index (0-based, as in the JSON
/// array or the Parquet file) when the format has no useful line. Printed as <c>file:line</c> or <c>file[record]</c>.
/// </summary>
public sealed record SftLocation(string File, long Line, long Record)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}" : $"{File}[{Record}]";
}
