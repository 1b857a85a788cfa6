namespace Tsumugi.Datasets.Sft;

/// <summary>A problem found while converting one record; the parser turns it into an <see cref="SftReject"/>.</summary>
internal sealed class RecordProblem(string reason, string detail) : Exception(detail)
{
    /// <summary>One of <see cref="SftRejectReason"/> (or a preference reason).</summary>
    public string Reason { get; } = reason;
}
