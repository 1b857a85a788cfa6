using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Common.Config;
using Tsumugi.Composition.Config;
using Tsumugi.Composition.Methods;
using Tsumugi.Composition.Tensors;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Composition;

/// <summary>What a merge wrote.</summary>
public sealed record MergeResult(string Directory, int Tensors, int Layers, long Bytes, long PeakBufferBytes);

/// <summary>
/// <c>tsumugi merge</c>: runs a mergekit config over local HF model directories and writes an HF model directory
/// (config.json, safetensors, tokenizer files, <c>merge_config.yaml</c>). Streams one output tensor at a time — its
/// inputs and result in float32 buffers sized for the largest tensor and reused — so memory is about the largest
/// tensor × (inputs + 1), not the models. The directory appears whole or not at all (built aside, then renamed).
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
            var (plan, layers) = MergePlan.Build(config, method, models);
            var template = models[config.BaseModel ?? config.Slices[0].Sources[0].Model];
            var tokenizerFiles = ChooseTokenizer(config, models, template);

            string staging = output.TrimEnd(Path.DirectorySeparatorChar) + ".partial";
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); // an earlier run killed mid-write
            Directory.CreateDirectory(staging);
            long peak;
            try
            {
                peak = WriteTensors(config, method, plan, staging, options);
                WriteConfig(config, template, layers, staging);
                foreach (var (name, path) in tokenizerFiles) AtomicFile.WriteAllBytes(Path.Combine(staging, name), File.ReadAllBytes(path));
                if (config.ChatTemplate is { } chat) SetChatTemplate(config, staging, chat);
                AtomicFile.WriteAllText(Path.Combine(staging, "merge_config.yaml"), config.Text);
                FileSync.SyncDirectory(staging);
            }
            catch
            {
                Directory.Delete(staging, recursive: true);
                throw;
            }
            if (Directory.Exists(output)) Directory.Delete(output);
            Directory.Move(staging, output);
            FileSync.SyncDirectory(Path.GetDirectoryName(output)!);
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

    static long WriteTensors(MergeConfig config, MergeMethodInfo method, List<PlannedTensor> plan, string directory, Options options)
    {
        long maxElements = plan.Max(p => p.Elements);
        if (maxElements > Array.MaxLength)
            throw new CheckpointException($"tensor '{plan.First(p => p.Elements == maxElements).Name}' has {maxElements} elements, more than one float array holds; not supported.");
        int maxInputs = plan.Max(p => p.Inputs.Count);
        // One set of buffers for the whole run: the inputs and the result.
        var inputs = Enumerable.Range(0, maxInputs).Select(_ => new float[maxElements]).ToArray();
        var result = new float[maxElements];
        var encoded = new byte[Math.Min(maxElements * 2, 8 << 20)];
        long peak = (maxInputs + 1) * maxElements * 4L;

        var byName = plan.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var infos = plan.Select(p => new SafetensorsTensorInfo(p.Name, p.OutDType, p.Shape)).ToList();
        int done = 0;
        ShardedSafetensorsWriter.Write(directory, infos, options.MaxShardBytes, (info, stream) =>
        {
            var p = byName[info.Name];
            int n = (int)p.Elements;
            for (int k = 0; k < p.Inputs.Count; k++) p.Inputs[k].Model.ReadFloats(p.Inputs[k].Tensor, inputs[k].AsSpan(0, n));
            var tensorInputs = new TensorInputs
            {
                TensorName = p.Name, Shape = p.Shape, Length = n, Values = inputs[..p.Inputs.Count], BaseIndex = p.BaseIndex,
                Parameters = Parameters(config, method.Global, p, model: null),
                ModelParameters = Enumerable.Range(0, p.Inputs.Count).Select(k => Parameters(config, method.PerModel, p, model: k)).ToList(),
                Seed = options.Seed,
            };
            var output = result.AsSpan(0, n);
            try { MergeKernels.Merge(method, tensorInputs, output); }
            catch (InvalidDataException e) { throw new CheckpointException($"merge_method {method.Name}: {e.Message}", e); }
            Write(output, p.OutDType, stream, encoded);
            options.Progress?.Invoke(++done, plan.Count);
        });
        return peak;
    }

    static void Write(ReadOnlySpan<float> values, string dtype, Stream stream, byte[] encoded)
    {
        if (dtype == "F32") { stream.Write(MemoryMarshal.AsBytes(values)); return; }
        int size = FloatCodec.SizeOf(dtype);
        int perChunk = encoded.Length / size;
        for (int start = 0; start < values.Length; start += perChunk)
        {
            int count = Math.Min(perChunk, values.Length - start);
            FloatCodec.Encode(values.Slice(start, count), dtype, encoded.AsSpan(0, count * size));
            stream.Write(encoded, 0, count * size);
        }
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

    static void WriteConfig(MergeConfig config, ModelSource template, int layers, string directory)
    {
        var json = (JsonObject)template.Config.DeepClone();
        json["num_hidden_layers"] = layers;
        if ((config.OutDtype ?? config.Dtype) is { } dtype) json["torch_dtype"] = FloatCodec.TorchName(dtype);
        AtomicFile.WriteAllText(Path.Combine(directory, "config.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        string generation = Path.Combine(template.Directory, "generation_config.json");
        if (File.Exists(generation)) AtomicFile.WriteAllBytes(Path.Combine(directory, "generation_config.json"), File.ReadAllBytes(generation));
    }

    /// <summary>
    /// The output's tokenizer: tokenizer_source null or <c>base</c> → the base model's files, a model reference → that
    /// model's. Tsumugi merges embeddings row by row without remapping, so an explicit source must be the tokenizer
    /// every input shares (same tokenizer.model / tokenizer.json bytes); mergekit's row permutation is not implemented.
    /// </summary>
    static Dictionary<string, string> ChooseTokenizer(MergeConfig config, Dictionary<string, ModelSource> models, ModelSource template)
    {
        if (config.TokenizerSource is null or "base") return Check(template, explicitSource: config.TokenizerSource is not null);
        string directory = Path.GetFullPath(config.TokenizerSource);
        if (models.TryGetValue(config.TokenizerSource, out var model)) return Check(model, explicitSource: true);
        using var other = ModelSource.Open(config.TokenizerSource, directory);
        return Check(other, explicitSource: true);

        Dictionary<string, string> Check(ModelSource source, bool explicitSource)
        {
            var files = source.TokenizerFiles();
            if (!explicitSource) return files;
            foreach (var m in models.Values)
                foreach (var name in new[] { "tokenizer.model", "tokenizer.json" })
                {
                    string mine = Path.Combine(m.Directory, name);
                    bool same = files.TryGetValue(name, out var theirs) ? File.Exists(mine) && File.ReadAllBytes(mine).AsSpan().SequenceEqual(File.ReadAllBytes(theirs)) : !File.Exists(mine);
                    if (!same)
                        throw new ConfigException($"{config.Path}: tokenizer_source '{config.TokenizerSource}': model '{m.Reference}' has a different {name} than '{source.Reference}'; Tsumugi does not remap embedding rows between vocabularies — merge models that share a tokenizer.");
                }
            return files;
        }
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
