namespace Tsumugi.Orchestration;

/// <summary>A stage after its kind prepared it: the plan, its folders, and what it depends on.</summary>
public sealed class PreparedStage
{
    public required StageSpec Spec { get; init; }
    public required IStageKind Kind { get; init; }
    public required StagePlan Plan { get; init; }
    /// <summary>The stage's folder: OUTPUT/NAME.</summary>
    public required string Directory { get; init; }
    public required IReadOnlyList<PreparedStage> Upstream { get; init; }
    /// <summary>Files and folders it reads that no earlier stage wrote.</summary>
    public required IReadOnlyList<string> Files { get; init; }
    /// <summary>Hash of its kind, keys, upstream fingerprints and input files: a change reruns it (and so its dependants).</summary>
    public required string Fingerprint { get; init; }
    public string Name => Spec.Name;
    /// <summary>What later stages get when they name this stage.</summary>
    public string Product => Plan.Product.Length == 0 ? Directory : Path.Combine(Directory, Plan.Product);
}
