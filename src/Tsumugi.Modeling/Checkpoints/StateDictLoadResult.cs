namespace Tsumugi.Modeling.Checkpoints;

/// <summary>What a (non-strict) load left out: model keys the checkpoint lacks, and checkpoint keys the model lacks.</summary>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
