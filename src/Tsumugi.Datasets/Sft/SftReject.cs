namespace Tsumugi.Datasets.Sft;

/// <summary>A record left out: where, why (<see cref="SftRejectReason"/>), a one-line detail, and the record's JSON.</summary>
public sealed record SftReject(SftLocation Location, string Reason, string Detail, string RecordJson)
{
    public override string ToString() => $"{Location}: {Reason}: {Detail}";
}
