using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Common.Config;
using Tsumugi.Composition.Config;
using Tsumugi.Composition.Methods;
using Tsumugi.Composition.Tensors;
using Tsumugi.Composition.Tokenizers;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition;

/// <summary>What a merge wrote.</summary>
public sealed record MergeResult(string Directory, int Tensors, int Layers, long Bytes, long PeakBufferBytes);

/// <summary>
/// <c>tsumugi merge</c>: runs a mergekit config over local HF model directories and writes an HF model directory
/// (config.json, safetensors, tokenizer files, <c>merge_config.yaml</c>). Streams one output tensor at a time, the next
/// one's inputs read ahead while the current one is merged and written (<see cref="ReadAhead{T}"/>: float32 buffers
/// allocated once, at most the largest tensor × (inputs + 1) and a third more), so memory does not grow with the
/// models. With a tokenizer named, embedding rows are first mapped to the output vocabulary (<see cref="VocabularyRemap"/>).
/// The directory appears whole or not at all (built aside, then renamed).
/// </summary>
public static class Merger
{
    public sealed record Options(string Output, ulong Seed = 0, long MaxShardBytes = 5L << 30, Action<int, int>? Progress = null);

    public static MergeResult Run(MergeConfig config, Options options)
    {
        var method = MergeMethodInfo.All[config.Method];
        string output = Path.GetFullPath(options.Output);
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new IOException($"{output}: output directory exists and is not empty; choose a new directory or delete it.");

        var models = new Dictionary<string, ModelSource>(StringComparer.Ordinal);
        try
        {
            foreach (var reference in References(config)) models[reference] = Open(reference);
            var template = models[config.BaseModel ?? config.Slices[0].Sources[0].Model];
            var remap = config.Tokenizer is { } tokenizer ? VocabularyRemap.Build(config, tokenizer, models.Values.ToList(), template) : null;
            var (plan, layers) = MergePlan.Build(config, method, models, remap);

            long peak = StagedDirectory.Publish(output, staging =>
            {
                long peak = WriteTensors(config, method, plan, remap, staging, options);
                WriteConfig(config, template, layers, remap, staging);
                WriteTokenizer(template, remap, staging);
                if (config.ChatTemplate is { } chat) SetChatTemplate(config, staging, chat);
                AtomicFile.WriteAllText(Path.Combine(staging, "merge_config.yaml"), config.Text);
                return peak;
            });
            long bytes = Directory.EnumerateFiles(output, "*.safetensors").Sum(f => new FileInfo(f).Length);
            return new MergeResult(output, plan.Count, layers, bytes, peak);
        }
        finally
        {
            foreach (var m in models.Values) m.Dispose();
        }
    }

    static IEnumerable<string> References(MergeConfig config) =>
        new[] { config.BaseModel }.Concat(config.Slices.SelectMany(s => s.Sources.Select(x => x.Model).Append(s.BaseModel)))
            .OfType<string>().Distinct(StringComparer.Ordinal);

    // Model references are paths, relative to the current directory as in mergekit; hub names must be downloaded first.
    static ModelSource Open(string reference)
    {
        string directory = Path.GetFullPath(reference);
        if (!Directory.Exists(directory) && reference.Contains('+'))
            throw new CheckpointException($"model '{reference}': LoRA references (model+adapter) are not supported; merge the adapter into the model first.");
        return ModelSource.Open(reference, directory);
    }

    static long WriteTensors(MergeConfig config, MergeMethodInfo method, List<PlannedTensor> plan, VocabularyRemap? remap, string directory, Options options)
    {
        var largest = plan.MaxBy(p => p.BufferElements)!;
        if (largest.BufferElements > Array.MaxLength)
            throw new CheckpointException($"tensor '{largest.Name}' has {largest.BufferElements} elements, more than one float array holds; not supported.");
        int maxInputs = plan.Max(p => p.Inputs.Count);
        var encoded = new byte[Math.Min(plan.Max(p => p.Elements) * 2, 8 << 20)];

        var byName = plan.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var infos = plan.Select(p => new SafetensorsTensorInfo(p.Name, p.OutDType, p.Shape)).ToList();
        // The writer asks for tensors in file order; the reader reads them ahead in that order.
        var order = SafetensorsStreamWriter.FileOrder(infos).Select(i => byName[i.Name]).ToList();
        using var readAhead = new ReadAhead<PlannedTensor>(order, p => p.BufferElements, maxInputs, (p, set) => ReadInputs(p, set, remap));
        int done = 0;
        ShardedSafetensorsWriter.Write(directory, infos, options.MaxShardBytes, (info, stream) =>
        {
            var (p, set) = readAhead.Next();
            if (p.Name != info.Name) throw new InvalidOperationException($"read ahead '{p.Name}' but the writer asks for '{info.Name}'");
            var tensorInputs = new TensorInputs
            {
                TensorName = p.Name, Shape = p.Shape, Length = (int)p.Elements, Values = set.Inputs[..p.Inputs.Count], BaseIndex = p.BaseIndex,
                Parameters = Parameters(config, method.Global, p, model: null),
                ModelParameters = Enumerable.Range(0, p.Inputs.Count).Select(k => Parameters(config, method.PerModel, p, model: k)).ToList(),
                Seed = options.Seed,
            };
            var output = set.Result.AsSpan(0, (int)p.Elements);
            try { MergeKernels.Merge(method, tensorInputs, output); }
            catch (InvalidDataException e) { throw new CheckpointException($"merge_method {method.Name}: {e.Message}", e); }
            FloatCodec.Write(output, p.OutDType, stream, encoded);
            readAhead.Release(set);
            options.Progress?.Invoke(++done, plan.Count);
        });
        return readAhead.BufferBytes + encoded.Length;
    }

    /// <summary>Reads a tensor's inputs (reader thread); embedding matrices are then laid out in the output vocabulary.</summary>
    static void ReadInputs(PlannedTensor p, ReadAhead<PlannedTensor>.Set set, VocabularyRemap? remap)
    {
        for (int k = 0; k < p.Inputs.Count; k++)
        {
            var entry = p.Inputs[k].Model.Entry(p.Inputs[k].Tensor)!;
            p.Inputs[k].Model.ReadFloats(p.Inputs[k].Tensor, set.Inputs[k].AsSpan(0, (int)entry.Shape.Aggregate(1L, (a, d) => a * d)));
        }
        if (p.RemapRows)
            remap!.Fill(p.Name, p.Inputs.Select(i => i.Model).ToList(), p.BaseIndex, set.Inputs, (int)p.Shape[1], set.Result);
    }

    /// <summary>mergekit's lookup (<c>ConfigReader.parameter</c>): the source's own parameters, then the slice's, then
    /// the global ones, each evaluated at the tensor's name and layer position; the first that yields a value wins.</summary>
    static Dictionary<string, object?> Parameters(MergeConfig config, ParameterDef[] defs, PlannedTensor p, int? model)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        string tensor = model is int k ? p.Inputs[k].Tensor : p.Name;
        foreach (var def in defs)
        {
            var levels = new[] { model is int m ? p.SourceConfigs[m]?.Parameters : null, p.Slice.Parameters, config.Parameters };
            object? value = levels.Select(l => l is not null && l.TryGetValue(def.Name, out var s) ? s.Evaluate(tensor, p.T) : null).FirstOrDefault(v => v is not null);
            bool isBase = model is int b && b == p.BaseIndex;
            if (value is null && def.Required && !isBase)
                throw new ConfigException($"{config.Path}: missing required parameter '{def.Name}'" +
                    (model is int i ? $" for model '{p.Inputs[i].Model.Reference}'" : "") + $" at tensor '{p.Name}'; set it under parameters.");
            result[def.Name] = value ?? def.Default;
        }
        return result;
    }

    static void WriteConfig(MergeConfig config, ModelSource template, int layers, VocabularyRemap? remap, string directory)
    {
        var json = (JsonObject)template.Config.DeepClone();
        json["num_hidden_layers"] = layers;
        if (remap is not null) json["vocab_size"] = remap.Rows;
        if ((config.OutDtype ?? config.Dtype) is { } dtype) json["torch_dtype"] = FloatCodec.TorchName(dtype);
        AtomicFile.WriteAllText(Path.Combine(directory, "config.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        string generation = Path.Combine(template.Directory, "generation_config.json");
        if (File.Exists(generation)) AtomicFile.WriteAllBytes(Path.Combine(directory, "generation_config.json"), File.ReadAllBytes(generation));
    }

    /// <summary>
    /// The output's tokenizer files: with no tokenizer named, the base model's (embedding rows were merged by id, as
    /// mergekit does); with one, the files of the model it equals, or else the new vocabulary written as tokenizer.model +
    /// tokenizer.json + tokenizer_config.json (keeping the base's chat template).
    /// </summary>
    static void WriteTokenizer(ModelSource template, VocabularyRemap? remap, string directory)
    {
        if (remap is null || remap.CopiedFrom is not null)
        {
            foreach (var (name, path) in (remap?.CopiedFrom ?? template).TokenizerFiles())
                AtomicFile.WriteAllBytes(Path.Combine(directory, name), File.ReadAllBytes(path));
            return;
        }
        string baseConfig = Path.Combine(template.Directory, "tokenizer_config.json");
        string? chatTemplate = File.Exists(baseConfig) && JsonNode.Parse(File.ReadAllText(baseConfig)) is JsonObject o && o["chat_template"] is JsonValue v
            && v.TryGetValue<string>(out var text) ? text : null;
        // TokenizerDirectory writes plainly; each file is then published (fsynced) like every other output file.
        string aside = Path.Combine(directory, ".tokenizer");
        Tokenization.HuggingFace.TokenizerDirectory.Save(remap.Tokenizer, aside, chatTemplate);
        foreach (var file in Directory.GetFiles(aside))
            AtomicFile.WriteAllBytes(Path.Combine(directory, Path.GetFileName(file)), File.ReadAllBytes(file));
        Directory.Delete(aside, recursive: true);
    }

    static void SetChatTemplate(MergeConfig config, string directory, string template)
    {
        if (!template.Contains("{{", StringComparison.Ordinal) && !template.Contains("{%", StringComparison.Ordinal))
            throw new ConfigException($"{config.Path}: chat_template '{template}' looks like a template name; Tsumugi takes only a Jinja template string here.");
        string path = Path.Combine(directory, "tokenizer_config.json");
        var json = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? [] : [];
        json["chat_template"] = template;
        AtomicFile.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
