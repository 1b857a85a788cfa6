namespace Tsumugi.Datasets.Sft;

/// <summary>Stream identifiers mixed into the seed, so each random choice of the SFT data draws independent numbers.</summary>
internal static class SftStreams
{
    public const long PackedRows = 0x5F7_0001;
    public const long Batches = 0x5F7_0002;
}
