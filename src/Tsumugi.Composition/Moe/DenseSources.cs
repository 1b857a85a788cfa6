using System.Text.Json.Nodes;
using Tsumugi.Composition.Tensors;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition.Moe;

/// <summary>
/// The dense Llama/Mistral models an MoE is assembled from, opened as streaming <see cref="ModelSource"/>s and checked
/// up front — architecture, FFN tensors in every layer, and (for several sources) the same tensors with the same shapes —
/// so a bad input fails before anything is written, with the model and tensor named.
/// </summary>
internal sealed class DenseSources : IDisposable
{
    public IReadOnlyList<ModelSource> Models { get; }
    public int Layers { get; }
    public long Intermediate { get; }
    public long Hidden { get; }

    DenseSources(IReadOnlyList<ModelSource> models, int layers, long hidden, long intermediate)
    {
        Models = models;
        Layers = layers;
        Hidden = hidden;
        Intermediate = intermediate;
    }

    public static DenseSources Open(IReadOnlyList<string> directories)
    {
        if (directories.Count == 0) throw new ArgumentException("give at least one dense model.");
        var models = new List<ModelSource>();
        try
        {
            foreach (var d in directories) models.Add(ModelSource.Open(d, Path.GetFullPath(d)));
            foreach (var m in models) CheckArchitecture(m);
            var first = models[0];
            int layers = first.LayerCount ?? throw new CheckpointException($"model '{first.Reference}': config.json has no num_hidden_layers.");
            var (gateShape, _) = Shape(first, MoeTensorNames.Dense(0, "gate_proj"));
            long intermediate = gateShape[0], hidden = gateShape[1];
            foreach (var m in models)
            {
                if (m.LayerCount != layers)
                    throw new CheckpointException($"model '{m.Reference}': {m.LayerCount} layers but model '{first.Reference}' has {layers}; the sources must share one architecture.");
                for (int l = 0; l < layers; l++)
                    foreach (var (dense, _) in MoeTensorNames.Projections)
                    {
                        var (shape, _) = Shape(m, MoeTensorNames.Dense(l, dense));
                        long[] expected = dense == "down_proj" ? [hidden, intermediate] : [intermediate, hidden];
                        if (!shape.SequenceEqual(expected))
                            throw new CheckpointException($"model '{m.Reference}': tensor '{MoeTensorNames.Dense(l, dense)}' has shape [{string.Join(", ", shape)}], expected [{string.Join(", ", expected)}] (from model '{first.Reference}'); the sources must share hidden_size and intermediate_size.");
                    }
            }
            var names = first.TensorNames.Where(n => !MoeTensorNames.IsDenseFfn(n)).ToHashSet(StringComparer.Ordinal);
            foreach (var m in models.Skip(1))
            {
                foreach (var n in names)
                {
                    var (shape, _) = Shape(m, n, $" (model '{first.Reference}' has it)");
                    var (expected, _) = Shape(first, n);
                    if (!shape.SequenceEqual(expected))
                        throw new CheckpointException($"model '{m.Reference}': tensor '{n}' has shape [{string.Join(", ", shape)}] but model '{first.Reference}' has [{string.Join(", ", expected)}]; the sources must share one architecture.");
                }
                if (m.TensorNames.FirstOrDefault(n => !MoeTensorNames.IsDenseFfn(n) && !names.Contains(n)) is { } extra)
                    throw new CheckpointException($"model '{m.Reference}': tensor '{extra}' has no counterpart in model '{first.Reference}'; the sources must share one architecture.");
            }
            return new DenseSources(models, layers, hidden, intermediate);
        }
        catch
        {
            foreach (var m in models) m.Dispose();
            throw;
        }
    }

    /// <summary>The non-FFN tensors (embeddings, attention, norms, lm_head), in the first source's order.</summary>
    public IEnumerable<string> SharedTensors => Models[0].TensorNames.Where(n => !MoeTensorNames.IsDenseFfn(n));

    public static (long[] Shape, string DType) Shape(ModelSource model, string tensor, string hint = "")
    {
        var entry = model.Entry(tensor) ?? throw new CheckpointException($"model '{model.Reference}': no tensor '{tensor}'{hint}; is this a Llama/Mistral checkpoint?");
        FloatCodec.SizeOf(entry.DType);
        return (entry.Shape, entry.DType);
    }

    /// <summary>Only dense Llama/Mistral FFNs (SwiGLU, no bias) map onto Mixtral experts.</summary>
    public static void CheckArchitecture(ModelSource model)
    {
        string? type = model.Config["model_type"]?.GetValue<string>();
        if (type is not ("llama" or "mistral"))
            throw new CheckpointException($"model '{model.Reference}': model_type '{type ?? "(none)"}' cannot become Mixtral experts; the sources must be dense llama or mistral models.");
        if (model.Config["mlp_bias"]?.GetValue<bool>() == true)
            throw new CheckpointException($"model '{model.Reference}': mlp_bias is true, but Mixtral experts have no biases; use a model without MLP biases.");
    }

    /// <summary>The dense config turned Mixtral (everything else kept, unknown fields included).</summary>
    public static JsonObject MixtralConfig(JsonObject dense, int experts, int topK)
    {
        var json = (JsonObject)dense.DeepClone();
        json["model_type"] = "mixtral";
        json["architectures"] = new JsonArray("MixtralForCausalLM");
        json["num_local_experts"] = experts;
        json["num_experts_per_tok"] = topK;
        return json;
    }

    public void Dispose()
    {
        foreach (var m in Models) m.Dispose();
    }
}
