namespace Tsumugi.Datasets.Sft;

/// <summary>The SFT data as read: training and held-out examples, and the report of what was read and left out.</summary>
public sealed record SftDataset(IReadOnlyList<SftExample> Train, IReadOnlyList<SftExample> Validation, SftReadReport Report);
