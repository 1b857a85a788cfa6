using Tsumugi.Common.Config;
using Tsumugi.Composition.Config;
using Tsumugi.Composition.Methods;
using Tsumugi.Composition.Tensors;
using Tsumugi.Composition.Tokenizers;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition;

/// <summary>One input of an output tensor: which model and which of its tensors.</summary>
public sealed record TensorSourceRef(ModelSource Model, string Tensor);

/// <summary>An output tensor: its inputs (base first when there is one), the slice it belongs to (for parameter
/// lookup) and its layer position t ∈ [0, 1] (mergekit: idx/(L−1) within the slice; 0 outside the layers).
/// <see cref="RemapRows"/>: an embedding matrix whose rows the inputs hold in their own vocabularies, laid out in the
/// output's by <see cref="VocabularyRemap.Fill"/> before merging.</summary>
public sealed record PlannedTensor(string Name, long[] Shape, string OutDType, IReadOnlyList<TensorSourceRef> Inputs, int BaseIndex,
    SliceConfig Slice, IReadOnlyList<SourceConfig?> SourceConfigs, double T, bool RemapRows = false)
{
    public long Elements => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The most elements a buffer holds for this tensor: the output's, or an input's when it is larger (an
    /// embedding matrix read in a larger vocabulary before remapping).</summary>
    public long BufferElements => Math.Max(Elements, Inputs.Max(i => i.Model.Entry(i.Tensor)!.Shape.Aggregate(1L, (a, d) => a * d)));
}

/// <summary>
/// Turns a merge config and the opened models into the list of output tensors, checking on the way everything
/// that can be checked before a byte is written: same architecture, every tensor present in every model with the
/// same shape, layer ranges inside the models, the method's model count.
/// </summary>
public static class MergePlan
{
    /// <param name="remap">The output vocabulary when the config names a tokenizer: embedding matrices may then differ in
    /// rows between models and take its row count.</param>
    public static (List<PlannedTensor> Tensors, int Layers) Build(MergeConfig config, MergeMethodInfo method, IReadOnlyDictionary<string, ModelSource> models,
        VocabularyRemap? remap = null)
    {
        var template = models[config.BaseModel ?? config.Slices[0].Sources[0].Model];
        CheckArchitectures(models.Values, template);
        var slices = Resolve(config, template);
        var result = new List<PlannedTensor>();
        var names = TemplateNames(template);
        foreach (var model in models.Values) CheckSameTensors(model, names, template);
        int outLayer = 0;
        foreach (var slice in slices)
        {
            var (start, end) = slice.Sources[0].LayerRange!.Value;
            int length = end - start;
            foreach (var s in slice.Sources)
                if (s.LayerRange!.Value.End - s.LayerRange.Value.Start != length)
                    throw new ConfigException($"{config.Path}:{slice.Line}: the sources of a slice must span the same number of layers ({slice.Sources[0].Model}: {length}, {s.Model}: {s.LayerRange.Value.End - s.LayerRange.Value.Start}).");
            for (int i = 0; i < length; i++, outLayer++)
            {
                double t = length == 1 ? 1 : (double)i / (length - 1);
                foreach (var (prefix, suffix) in names.Layer)
                    result.Add(Plan(config, method, models, slice, TensorNames.Layer(prefix, outLayer, suffix), t,
                        s => TensorNames.Layer(prefix, s.LayerRange!.Value.Start + i, suffix), remap));
            }
        }
        foreach (var name in names.Pre) result.Add(Plan(config, method, models, slices[0], name, 0, _ => name, remap));
        foreach (var name in names.Post) result.Add(Plan(config, method, models, slices[^1], name, 0, _ => name, remap));
        return (result, outLayer);
    }

    static void CheckArchitectures(IEnumerable<ModelSource> models, ModelSource template)
    {
        foreach (var model in models)
            foreach (var field in new[] { "architectures", "model_type", "hidden_size" })
                if (model.ConfigText(field) != template.ConfigText(field))
                    throw new CheckpointException($"model '{model.Reference}' has {field} {model.ConfigText(field) ?? "(none)"} but '{template.Reference}' has {template.ConfigText(field) ?? "(none)"}; only models of one architecture and size can be merged.");
    }

    // Every model must hold the same kinds of tensors (per layer, and outside the layers): a tensor only one model has
    // (lm_head in an untied copy, a bias) would otherwise be silently dropped or fail halfway through the write.
    static void CheckSameTensors(ModelSource model, Names expected, ModelSource template)
    {
        var names = TemplateNames(model);
        var extra = names.Layer.Except(expected.Layer).Select(l => TensorNames.Layer(l.Prefix, 0, l.Suffix))
            .Concat(names.Pre.Concat(names.Post).Except(expected.Pre.Concat(expected.Post))).FirstOrDefault();
        if (extra is not null)
            throw new CheckpointException($"model '{model.Reference}' has tensor '{extra}', which model '{template.Reference}' lacks; the models differ in architecture (tied embeddings? biases?) and cannot be merged.");
        var missing = expected.Layer.Except(names.Layer).Select(l => TensorNames.Layer(l.Prefix, 0, l.Suffix))
            .Concat(expected.Pre.Concat(expected.Post).Except(names.Pre.Concat(names.Post))).FirstOrDefault();
        if (missing is not null)
            throw new CheckpointException($"model '{model.Reference}' has no tensor '{missing}' (model '{template.Reference}' has it); the models differ in architecture and cannot be merged.");
    }

    /// <summary>The <c>models:</c> form as one slice over every layer; layer ranges checked against each model.</summary>
    static List<SliceConfig> Resolve(MergeConfig config, ModelSource template)
    {
        var slices = config.Slices.ToList();
        if (config.FromModels)
        {
            int layers = template.LayerCount ?? throw new CheckpointException($"model '{template.Reference}': config.json has no num_hidden_layers.");
            var sources = slices[0].Sources.Select(s => s with { LayerRange = (0, layers) }).ToList();
            if (config.BaseModel is { } b && sources.All(s => s.Model != b))
                sources.Insert(0, new SourceConfig(b, (0, layers), new ParameterMap(), 0));
            slices[0] = slices[0] with { Sources = sources };
        }
        else
            slices = slices.Select(s => (s.BaseModel ?? config.BaseModel) is { } b && s.Sources.All(x => x.Model != b)
                ? s with { Sources = [new SourceConfig(b, s.Sources[0].LayerRange, new ParameterMap(), 0), .. s.Sources] }
                : s).ToList();
        return slices;
    }

    sealed record Names(List<(string Prefix, string Suffix)> Layer, List<string> Pre, List<string> Post);

    static Names TemplateNames(ModelSource template)
    {
        var layer = new List<(string, string)>();
        var seen = new HashSet<(string, string)>();
        var pre = new List<string>();
        var post = new List<string>();
        foreach (var name in template.TensorNames)
        {
            if (TensorNames.TryLayer(name, out _, out var prefix, out var suffix)) { if (seen.Add((prefix, suffix))) layer.Add((prefix, suffix)); }
            else if (TensorNames.IsPreLayer(name)) pre.Add(name);
            else post.Add(name);
        }
        return new Names(layer, pre, post);
    }

    static PlannedTensor Plan(MergeConfig config, MergeMethodInfo method, IReadOnlyDictionary<string, ModelSource> models, SliceConfig slice,
        string outName, double t, Func<SourceConfig, string> inputName, VocabularyRemap? remap)
    {
        bool remapRows = remap is not null && VocabularyRemap.IsEmbedding(outName);
        string? baseRef = slice.BaseModel ?? config.BaseModel;
        var inputs = new List<TensorSourceRef>();
        var sourceConfigs = new List<SourceConfig?>();
        SafetensorsEntry? first = null;
        TensorSourceRef? firstRef = null;
        foreach (var s in slice.Sources)
        {
            var model = models[s.Model];
            string name = inputName(s);
            var entry = model.Entry(name) ?? throw new CheckpointException(
                $"model '{model.Reference}' has no tensor '{name}'" + (firstRef is null ? "" : $" (model '{firstRef.Model.Reference}' has it)") +
                "; the models differ in architecture or the layer_range reaches past the last layer.");
            FloatCodec.SizeOf(entry.DType);
            if (remapRows && (entry.Shape.Length != 2 || entry.Shape[0] != remap!.VocabRows(model)))
                throw new CheckpointException($"tensor '{name}' of model '{model.Reference}' has shape [{string.Join(", ", entry.Shape)}], not [vocab_size {remap!.VocabRows(model)}, hidden]; its rows cannot be mapped to the merged vocabulary.");
            if (first is not null && !entry.Shape.AsSpan(remapRows ? 1 : 0).SequenceEqual(first.Shape.AsSpan(remapRows ? 1 : 0)))
                throw new CheckpointException($"tensor '{name}' has shape [{string.Join(", ", entry.Shape)}] in model '{model.Reference}' but [{string.Join(", ", first.Shape)}] in '{firstRef!.Model.Reference}'; the models differ in size (vocabulary?) and cannot be merged tensor by tensor.");
            first ??= entry;
            var reference = new TensorSourceRef(model, name);
            firstRef ??= reference;
            inputs.Add(reference);
            sourceConfigs.Add(s);
        }
        int baseIndex = baseRef is null ? -1 : slice.Sources.ToList().FindIndex(s => s.Model == baseRef);
        if (method.NeedsBase && baseIndex < 0)
            throw new ConfigException($"{config.Path}:{config.MethodLine}: merge_method {method.Name} needs base_model.");
        string outDType = config.OutDtype ?? config.Dtype ?? first!.DType;
        long[] shape = remapRows ? [remap!.Rows, first!.Shape[1]] : first!.Shape;
        return new PlannedTensor(outName, shape, outDType, inputs, baseIndex, slice, sourceConfigs, t, remapRows);
    }
}
