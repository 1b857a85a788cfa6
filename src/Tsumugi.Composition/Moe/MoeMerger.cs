using Tsumugi.Composition.Tensors;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition.Moe;

/// <summary>
/// mergekit-moe for the Mixtral output (<c>mergekit/moe/mixtral.py</c>): attention, norms, embeddings and lm_head come
/// from <c>base_model</c>; expert i's w1/w3/w2 are <c>experts[i].source_model</c>'s gate_proj/up_proj/down_proj, plus
/// N(0, noise_scale²) noise when set, with w2 times residual_scale when set; routers from <see cref="GateVectors"/>.
/// Written in the classic layout (mergekit HEAD writes the fused one; Tsumugi and transformers read both).
/// </summary>
public static class MoeMerger
{
    public static MoeResult Run(MoeMergeConfig config, MoeMergeOptions options)
    {
        var models = new Dictionary<string, ModelSource>(StringComparer.Ordinal);
        try
        {
            foreach (var reference in config.Experts.Select(e => e.SourceModel).Prepend(config.BaseModel).Distinct(StringComparer.Ordinal))
                models[reference] = ModelSource.Open(reference, Path.GetFullPath(reference));
            foreach (var m in models.Values) DenseSources.CheckArchitecture(m);
            var baseModel = models[config.BaseModel];
            string baseType = baseModel.Config["model_type"]!.GetValue<string>();
            if (models.Values.FirstOrDefault(m => m.Config["model_type"]!.GetValue<string>() != baseType) is { } other)
                throw new CheckpointException($"model '{other.Reference}': model_type '{other.Config["model_type"]}' differs from base model '{baseModel.Reference}' ({baseType}); Mixtral needs all inputs of one architecture.");
            int layers = baseModel.LayerCount ?? throw new CheckpointException($"model '{baseModel.Reference}': config.json has no num_hidden_layers.");
            var (embedShape, _) = DenseSources.Shape(baseModel, MoeTensorNames.Embedding);
            int hidden = checked((int)embedShape[1]);
            CheckExperts(config, models, layers, hidden);

            string? dtype = config.Dtype ?? (baseModel.Config["torch_dtype"]?.GetValue<string>() is { } t ? FloatCodec.FromTorchName(t) : null);
            var gates = GateVectors.Compute(config, baseModel, layers, hidden, options.Seed, options.Encode);
            var tensors = new List<MoeTensor>();
            foreach (var name in baseModel.TensorNames.Where(n => !MoeTensorNames.IsDenseFfn(n)))
            {
                var (shape, fileType) = DenseSources.Shape(baseModel, name);
                tensors.Add(new MoeTensor(name, shape, dtype ?? fileType, (result, _) => baseModel.ReadFloats(name, result)));
            }
            int experts = config.Experts.Count;
            for (int l = 0; l < layers; l++)
            {
                var gate = gates[l];
                var (_, gateType) = DenseSources.Shape(baseModel, MoeTensorNames.Dense(l, "gate_proj"));
                tensors.Add(new MoeTensor(MoeTensorNames.Router(l), [experts, hidden], dtype ?? gateType, (result, _) => gate.CopyTo(result)));
                for (int e = 0; e < experts; e++)
                {
                    var expert = config.Experts[e];
                    var source = models[expert.SourceModel];
                    foreach (var (dense, matrix) in MoeTensorNames.Projections)
                    {
                        string from = MoeTensorNames.Dense(l, dense), to = MoeTensorNames.Expert(l, e, matrix);
                        var (shape, fileType) = DenseSources.Shape(source, from);
                        tensors.Add(new MoeTensor(to, shape, dtype ?? fileType, (result, _) =>
                        {
                            source.ReadFloats(from, result);
                            if (expert.NoiseScale is { } noise)
                            {
                                var random = new SeededRandom(options.Seed, to, 2);
                                for (int k = 0; k < result.Length; k++) result[k] += (float)(noise * random.NextNormal());
                            }
                            if (matrix == "w2" && expert.ResidualScale is { } scale)
                                for (int k = 0; k < result.Length; k++) result[k] *= (float)scale;
                        }));
                    }
                }
            }
            var json = DenseSources.MixtralConfig(baseModel.Config, experts, config.ExpertsPerToken);
            json["sliding_window"] = null; // as mergekit's MixtralConfig
            if (dtype is not null) json["torch_dtype"] = FloatCodec.TorchName(dtype);
            return MixtralWriter.Write(options.Output, json, tensors, baseModel, layers, experts, options.MaxShardBytes, options.Progress,
                ("mergekit_moe_config.yml", config.Text));
        }
        finally
        {
            foreach (var m in models.Values) m.Dispose();
        }
    }

    /// <summary>Every expert's FFN must exist in every layer with one shape, whose hidden size is the base model's.</summary>
    static void CheckExperts(MoeMergeConfig config, Dictionary<string, ModelSource> models, int layers, int hidden)
    {
        var first = models[config.Experts[0].SourceModel];
        foreach (var expert in config.Experts)
        {
            var m = models[expert.SourceModel];
            if (m.LayerCount != layers)
                throw new CheckpointException($"{config.Path}:{expert.Line}: model '{m.Reference}' has {m.LayerCount} layers but base model '{config.BaseModel}' has {layers}; experts must match the base model's depth.");
            for (int l = 0; l < layers; l++)
                foreach (var (dense, _) in MoeTensorNames.Projections)
                {
                    string name = MoeTensorNames.Dense(l, dense);
                    var (shape, _) = DenseSources.Shape(m, name);
                    var (expected, _) = DenseSources.Shape(first, name);
                    long h = dense == "down_proj" ? shape[0] : shape[1];
                    if (!shape.SequenceEqual(expected) || h != hidden)
                        throw new CheckpointException($"model '{m.Reference}': tensor '{name}' has shape [{string.Join(", ", shape)}] but model '{first.Reference}' has [{string.Join(", ", expected)}] and the base hidden size is {hidden}; Mixtral experts must share one shape.");
                }
        }
    }
}
