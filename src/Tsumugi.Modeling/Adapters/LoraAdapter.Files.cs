using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Adapters;

/// <summary>PEFT's adapter directory: adapter_config.json + adapter_model.safetensors (reference/post-training.md §5.2).</summary>
public sealed partial class LoraAdapter
{
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>
    /// Writes the adapter as PEFT's save_pretrained does: keys <c>base_model.model.&lt;module&gt;.lora_A.weight</c> [r, in]
    /// and <c>.lora_B.weight</c> [out, r], modules_to_save as <c>base_model.model.&lt;module&gt;.weight</c>, in the
    /// weights' own dtype. Each file is written atomically; other files in the directory are left alone.
    /// </summary>
    public void Save(string directory)
    {
        EnsureAttached();
        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), NamedParameters().ToList(),
            new Dictionary<string, string> { ["format"] = "pt" });
        LoraConfigJson.Write(directory, Config, TargetNames);
    }

    /// <summary>
    /// Reads a PEFT LoRA adapter (written by Tsumugi or by PEFT) and attaches it to <paramref name="model"/>. Everything
    /// is checked before the model changes: every tensor key must name a targeted projection (or modules_to_save
    /// parameter) of this model with the expected shape, and every targeted projection must have both its tensors; the
    /// error names the file and the key. Weights are converted to the model's dtype and device.
    /// </summary>
    public static LoraAdapter Load(string directory, LlamaForCausalLM model)
    {
        var config = LoraConfigJson.Read(directory);
        string configPath = Path.Combine(directory, LoraConfigJson.FileName);
        string weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath))
        {
            string bin = File.Exists(Path.Combine(directory, "adapter_model.bin")) ? " (adapter_model.bin is a pickle; re-save it with PEFT's safe_serialization=True)" : "";
            throw new CheckpointException($"{weightsPath}: not found{bin}.");
        }
        List<LoraTarget> targets;
        List<(string Name, TorchSharp.Modules.Parameter Parameter)> saved;
        try
        {
            targets = LoraTargets.Resolve(model, config, configPath);
            saved = LoraTargets.ModulesToSave(model, config, targets, configPath);
        }
        catch (ArgumentException e) { throw new CheckpointException(e.Message, e); }

        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var t in targets)
        {
            expected[PeftKey(t.Path, "lora_A")] = [t.Rank, t.Linear.InFeatures];
            expected[PeftKey(t.Path, "lora_B")] = [t.Linear.OutFeatures, t.Rank];
        }
        foreach (var (name, p) in saved) expected[PeftPrefix + name] = p.shape;

        using var file = SafetensorsFile.Open(weightsPath);
        Check(file, expected, model, config);
        var adapter = Attach(model, config, generator: null, configPath);
        try
        {
            using var noGrad = no_grad();
            foreach (var (key, tensor) in adapter.NamedParameters()) file.ReadInto(key, tensor);
            // The originals kept for Detach are the base model's values, not the adapter's.
        }
        catch
        {
            adapter.Dispose();
            throw;
        }
        return adapter;
    }

    /// <summary>
    /// Overwrites this adapter's weights in place with those of <paramref name="directory"/> (a checkpoint of the same
    /// adapter): the parameters stay the same objects, so an optimizer holding them carries on (a training rollback).
    /// </summary>
    public void ReloadWeights(string directory)
    {
        EnsureAttached();
        using var file = SafetensorsFile.Open(Path.Combine(directory, WeightsFile));
        var named = NamedParameters().ToList();
        Check(file, named.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal), _model, Config);
        using var noGrad = no_grad();
        foreach (var (key, tensor) in named) file.ReadInto(key, tensor);
    }

    static void Check(SafetensorsFile file, Dictionary<string, long[]> expected, LlamaForCausalLM model, LoraConfig config)
    {
        var modules = LoraTargets.Projections(model).Select(p => p.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, entry) in file.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (expected.TryGetValue(key, out var shape))
            {
                if (!shape.SequenceEqual(entry.Shape))
                    throw new CheckpointException(
                        $"{file.Path}: tensor '{key}' has shape [{string.Join(", ", entry.Shape)}] but this model needs [{string.Join(", ", shape)}] (r = {config.Rank}); " +
                        "the adapter was trained for a different base model (hidden_size, intermediate_size or heads differ) or adapter_config.json's r/rank_pattern do not match the weights.");
                continue;
            }
            string module = ModuleOf(key);
            string why = modules.Contains(module)
                ? $"'{module}' is a projection of this model but adapter_config.json's target_modules does not select it; the config and weights disagree"
                : $"this model has no projection '{module}'; the adapter was trained for a different base model (check num_hidden_layers, num_local_experts and model_type)";
            throw new CheckpointException($"{file.Path}: unexpected tensor '{key}': {why}.");
        }
        var missing = expected.Keys.Where(k => !file.Entries.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new CheckpointException(
                $"{file.Path}: missing {missing.Count} tensor(s) that adapter_config.json's targets need, first '{missing[0]}'; the file is incomplete or from another base model.");
    }

    static string ModuleOf(string key)
    {
        string k = key.StartsWith(PeftPrefix, StringComparison.Ordinal) ? key[PeftPrefix.Length..] : key;
        foreach (var suffix in new[] { ".lora_A.weight", ".lora_B.weight", ".lora_magnitude_vector", ".weight", ".bias" })
            if (k.EndsWith(suffix, StringComparison.Ordinal)) return k[..^suffix.Length];
        return k;
    }
}
