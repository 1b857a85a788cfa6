namespace Tsumugi.Composition.Methods;

/// <summary>A parameter a merge method reads: required, or with a default (null: "unset", as mergekit's None).</summary>
public sealed record ParameterDef(string Name, bool Required = false, object? Default = null);

/// <summary>How the general task-arithmetic family sparsifies each task vector (<c>mergekit/sparsify.py</c>).</summary>
public enum Sparsification { None, Magnitude, Random, MagnitudeOutliers }

/// <summary>
/// A merge method as mergekit's registry describes it (<c>merge_methods/registry.py</c>): its name, the parameters read
/// once per tensor (<see cref="Global"/>: global/slice level) and per model (<see cref="PerModel"/>), and what inputs it
/// needs. The defaults are mergekit's (reference/post-training.md §6.1).
/// </summary>
public sealed record MergeMethodInfo(
    string Name,
    ParameterDef[] Global,
    ParameterDef[] PerModel,
    bool NeedsBase,
    Sparsification Sparsify = Sparsification.None,
    bool SignConsensus = false)
{
    public IEnumerable<string> ParameterNames => Global.Concat(PerModel).Select(p => p.Name);

    static MergeMethodInfo TaskArithmetic(string name, Sparsification sparsify, bool consensus, bool normalize, bool rescale) => new(
        name,
        [new("int8_mask", Default: false), new("normalize", Default: normalize), new("rescale", Default: rescale), new("lambda", Default: 1.0)],
        sparsify == Sparsification.MagnitudeOutliers
            ? [new("weight", Required: true), new("density", Default: 1.0), new("gamma", Default: 0.01)]
            : [new("weight", Required: true), new("density", Default: 1.0)],
        NeedsBase: true, sparsify, consensus);

    public static readonly IReadOnlyDictionary<string, MergeMethodInfo> All = new[]
    {
        new MergeMethodInfo("linear", [new("normalize", Default: true)], [new("weight", Required: true)], NeedsBase: false),
        new MergeMethodInfo("slerp", [new("t", Required: true)], [], NeedsBase: true),
        TaskArithmetic("task_arithmetic", Sparsification.None, consensus: false, normalize: false, rescale: false),
        TaskArithmetic("ties", Sparsification.Magnitude, consensus: true, normalize: true, rescale: false),
        TaskArithmetic("dare_ties", Sparsification.Random, consensus: true, normalize: false, rescale: true),
        TaskArithmetic("dare_linear", Sparsification.Random, consensus: false, normalize: false, rescale: true),
        TaskArithmetic("breadcrumbs", Sparsification.MagnitudeOutliers, consensus: false, normalize: false, rescale: false),
        TaskArithmetic("breadcrumbs_ties", Sparsification.MagnitudeOutliers, consensus: true, normalize: false, rescale: false),
        new MergeMethodInfo("model_stock", [new("filter_wise", Default: false)], [], NeedsBase: true),
        new MergeMethodInfo("passthrough", [], [new("scale")], NeedsBase: false),
    }.ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>mergekit methods Tsumugi does not implement (a distinct message from a misspelt name).</summary>
    public static readonly string[] NotImplemented =
        ["della", "della_linear", "nuslerp", "multislerp", "karcher", "nearswap", "sce", "arcee_fusion", "ram", "ramplus_tl"];
}
