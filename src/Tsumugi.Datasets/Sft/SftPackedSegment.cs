namespace Tsumugi.Datasets.Sft;

/// <summary>
/// One example's place in a packed row: its index in the length list, where it starts in the row, and how many of its
/// tokens are kept (fewer than its length only when it was truncated to the sequence length).
/// </summary>
public readonly record struct SftPackedSegment(int Example, int Offset, int Length);
