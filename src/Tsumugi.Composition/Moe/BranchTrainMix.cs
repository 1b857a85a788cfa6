using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Composition.Tensors;

namespace Tsumugi.Composition.Moe;

/// <summary>
/// Branch-Train-MiX (Sukhbaatar et al. 2024, as in Drop-Upcycling's <c>branch_train_mix.py</c>): K dense models →
/// one Mixtral whose expert e is source ⌊e / experts-per-source⌋'s MLP, whose non-FFN weights are the plain mean of
/// the K sources, and whose routers are new (torch_rand_002). One source is plain upcycling (<see cref="Upcycler"/>):
/// the "mean" of one model is that model, read straight through, so its weights stay bit-equal.
/// </summary>
public static class BranchTrainMix
{
    public static MoeResult Assemble(BtxOptions o)
    {
        Validate(o);
        using var sources = DenseSources.Open(o.Models);
        int experts = o.ExpertsPerSource * o.Models.Count;
        if (o.TopK > experts) throw new ArgumentException($"top-k {o.TopK} exceeds the {experts} experts; choose top-k ≤ experts.");
        var tensors = new List<MoeTensor>();
        foreach (var name in sources.SharedTensors) tensors.Add(Mean(sources, name));
        int intermediate = checked((int)sources.Intermediate), hidden = checked((int)sources.Hidden);
        for (int l = 0; l < sources.Layers; l++)
        {
            int layer = l;
            var (_, routerType) = DenseSources.Shape(sources.Models[0], MoeTensorNames.Dense(l, "gate_proj"));
            tensors.Add(new MoeTensor(MoeTensorNames.Router(l), [experts, hidden], routerType,
                (result, _) => RouterInit.TorchRand002(result, o.RouterStd, o.Seed, layer)));
            for (int e = 0; e < experts; e++)
            {
                int expert = e;
                var source = sources.Models[e / o.ExpertsPerSource];
                foreach (var (dense, matrix) in MoeTensorNames.Projections)
                {
                    string from = MoeTensorNames.Dense(l, dense), to = MoeTensorNames.Expert(l, e, matrix);
                    var (shape, dtype) = DenseSources.Shape(source, from);
                    bool rows = matrix != "w2";
                    tensors.Add(new MoeTensor(to, shape, dtype, (result, _) =>
                    {
                        source.ReadFloats(from, result);
                        if (o.DropRatio <= 0) return;
                        var channels = DropUpcycling.Channels(o.Seed, layer, expert, intermediate, o.DropRatio);
                        DropUpcycling.Reinitialise(result, (int)shape[0], (int)shape[1], channels, rows, o.Seed, to);
                    }));
                }
            }
        }
        var config = DenseSources.MixtralConfig(sources.Models[0].Config, experts, o.TopK);
        config["router_aux_loss_coef"] = o.AuxLossCoef;
        config["output_router_logits"] = true;
        var recipe = new JsonObject
        {
            ["method"] = o.Models.Count == 1 ? (o.DropRatio > 0 ? "drop-upcycling" : "upcycling") : "branch-train-mix",
            ["sources"] = new JsonArray(o.Models.Select(m => (JsonNode)Path.GetFullPath(m)).ToArray()),
            ["experts_per_source"] = o.ExpertsPerSource, ["top_k"] = o.TopK, ["drop_ratio"] = o.DropRatio,
            ["seed"] = o.Seed, ["router_init"] = "torch_rand_002", ["router_std"] = o.RouterStd,
        };
        return MixtralWriter.Write(o.Output, config, tensors, sources.Models[0], sources.Layers, experts, o.MaxShardBytes, o.Progress,
            ("upcycle.json", recipe.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }

    static void Validate(BtxOptions o)
    {
        if (o.ExpertsPerSource < 1) throw new ArgumentException($"experts per source must be at least 1 (got {o.ExpertsPerSource}).");
        if (o.TopK < 1) throw new ArgumentException($"top-k must be at least 1 (got {o.TopK}).");
        if (o.DropRatio is < 0 or > 1 || double.IsNaN(o.DropRatio)) throw new ArgumentException($"drop ratio must be in [0, 1] (got {o.DropRatio}).");
        if (o.RouterStd < 0 || double.IsNaN(o.RouterStd)) throw new ArgumentException($"router std must be ≥ 0 (got {o.RouterStd}).");
    }

    /// <summary>The plain mean of the sources' tensor (in source 0's dtype); one source is read straight through.</summary>
    static MoeTensor Mean(DenseSources sources, string name)
    {
        var (shape, dtype) = DenseSources.Shape(sources.Models[0], name);
        return new MoeTensor(name, shape, dtype, (result, scratch) =>
        {
            sources.Models[0].ReadFloats(name, result);
            if (sources.Models.Count == 1) return;
            for (int k = 1; k < sources.Models.Count; k++)
            {
                sources.Models[k].ReadFloats(name, scratch);
                TensorPrimitives.Add(result, scratch, result);
            }
            TensorPrimitives.Multiply(result, 1f / sources.Models.Count, result);
        });
    }
}
