using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Btm;

/// <summary><c>combine:</c> of a BTM config (docs/btm.md).</summary>
public sealed record BtmCombine
{
    public required BtmCombineMethod Method { get; init; }

    /// <summary>Line of <c>combine.method</c> (for errors found later, e.g. btx not available).</summary>
    public long MethodLine { get; init; }

    /// <summary>mergekit's merge_method (method: merge).</summary>
    public string? MergeMethod { get; init; }

    public long MergeMethodLine { get; init; }

    /// <summary>mergekit's global <c>parameters:</c>, passed through as written (method: merge).</summary>
    public YamlMappingNode? Parameters { get; init; }

    /// <summary>Compute dtype of the merge (mergekit's <c>dtype</c>); float32 by default.</summary>
    public string Dtype { get; init; } = "float32";

    /// <summary>Experts kept in the mixture at each token (method: ensemble); null = all.</summary>
    public int? TopK { get; init; }

    /// <summary>The EMA rate of the cached prior.</summary>
    public double PriorEmaRate { get; init; } = 0.3;

    /// <summary>Held-out text (files, folders, globs; any format `eval perplexity` reads) to estimate the prior on; empty = uniform prior.</summary>
    public IReadOnlyList<string> PriorData { get; init; } = [];

    /// <summary>At most this many held-out documents are read for the prior.</summary>
    public int PriorDocuments { get; init; } = 256;
}
