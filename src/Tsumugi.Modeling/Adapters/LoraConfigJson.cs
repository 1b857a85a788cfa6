using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Modeling.Adapters;

/// <summary>
/// adapter_config.json in PEFT's format (reference/post-training.md §5.3). Reading accepts what PEFT writes — unknown
/// fields are ignored, as PEFT versions add fields — but refuses any field whose non-default value would change the
/// math (DoRA, bias training, fan_in_fan_out, base-rewriting inits…), naming the file and field.
/// </summary>
public static class LoraConfigJson
{
    public const string FileName = "adapter_config.json";

    /// <summary>Reads <c>adapter_config.json</c> from an adapter directory.</summary>
    public static LoraConfig Read(string adapterDirectory)
    {
        string path = Path.Combine(adapterDirectory, FileName);
        if (!Directory.Exists(adapterDirectory)) throw new CheckpointException($"{adapterDirectory}: adapter directory not found.");
        if (!File.Exists(path))
            throw new CheckpointException($"{path}: not found; an adapter directory holds {FileName} and adapter_model.safetensors (PEFT's save_pretrained layout).");
        JsonObject o;
        try { o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new CheckpointException($"{path}: not a JSON object."); }
        catch (JsonException e) { throw new CheckpointException($"{path}: not valid JSON ({e.Message}).", e); }
        return Parse(o, path);
    }

    /// <summary>PEFT's LoraConfig fields → <see cref="LoraConfig"/>; <paramref name="path"/> names the source in errors (<see cref="CheckpointException"/>).</summary>
    public static LoraConfig Parse(JsonObject o, string path)
    {
        string peftType = String(o, "peft_type", path) ?? "LORA";
        if (peftType != "LORA") throw Fail(path, "peft_type", $"is \"{peftType}\"; only LORA adapters are supported");
        if (Bool(o, "use_dora", path)) throw Fail(path, "use_dora", "is true; DoRA adapters are not supported (merge it with PEFT's merge_and_unload first)");
        if (Bool(o, "fan_in_fan_out", path)) throw Fail(path, "fan_in_fan_out", "is true; that layout is for GPT-2 Conv1D layers, not Llama projections");
        if (Bool(o, "lora_bias", path)) throw Fail(path, "lora_bias", "is true; LoRA bias terms are not supported");
        if ((String(o, "bias", path) ?? "none") is var bias && bias != "none")
            throw Fail(path, "bias", $"is \"{bias}\"; only \"none\" is supported (the base biases stay frozen)");
        foreach (var field in new[] { "target_parameters", "layer_replication", "trainable_token_indices" })
            if (o[field] is JsonNode n && !(n is JsonArray { Count: 0 } || n is JsonObject { Count: 0 }))
                throw Fail(path, field, "is set; that PEFT feature is not supported");
        if (String(o, "layers_pattern", path) is { } lp && lp != "layers")
            throw Fail(path, "layers_pattern", $"is \"{lp}\"; Llama models number their decoder layers under \"layers\"");

        var config = new LoraConfig
        {
            Rank = Int(o, "r", path) ?? 8,
            Alpha = Number(o, "lora_alpha", path) ?? 8,
            Dropout = Number(o, "lora_dropout", path) ?? 0,
            UseRsLora = Bool(o, "use_rslora", path),
            Init = ParseInit(o["init_lora_weights"], path),
            ModulesToSave = Strings(o, "modules_to_save", path),
            LayersToTransform = o["layers_to_transform"] switch
            {
                null => null,
                JsonArray a => a.Select((n, i) => IntValue(n, path, $"layers_to_transform[{i}]")).ToList(),
                var n => [IntValue(n, path, "layers_to_transform")],
            },
            RankPattern = Map(o, "rank_pattern", path, (n, f) => IntValue(n, path, f)),
            AlphaPattern = Map(o, "alpha_pattern", path, (n, f) => NumberValue(n, path, f)),
            BaseModelNameOrPath = String(o, "base_model_name_or_path", path),
        };
        var (targets, targetRegex) = ListOrRegex(o, "target_modules", path);
        var (excludes, excludeRegex) = ListOrRegex(o, "exclude_modules", path);
        if (excludeRegex is not null) throw Fail(path, "exclude_modules", "is a regex; give a list of module names");
        config = config with { TargetModules = targets, TargetModulesRegex = targetRegex, ExcludeModules = excludes };
        try { config.Validate(path); }
        catch (ArgumentException e) { throw new CheckpointException(e.Message, e); }
        return config;
    }

    /// <summary>Writes the config with every PEFT LoraConfig field this format has, PEFT's defaults where Tsumugi has no setting.</summary>
    public static void Write(string adapterDirectory, LoraConfig config, IReadOnlyList<string> resolvedTargets)
    {
        var o = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = config.BaseModelNameOrPath,
            ["revision"] = null,
            ["inference_mode"] = true,
            ["r"] = config.Rank,
            ["lora_alpha"] = WholeOrFraction(config.Alpha),
            ["lora_dropout"] = config.Dropout,
            // PEFT saves the names a pattern or "all-linear" resolved to, so other tools need not resolve them again.
            ["target_modules"] = config.TargetModulesRegex is { } regex ? regex : Array(resolvedTargets),
            ["exclude_modules"] = config.ExcludeModules is { } ex ? Array(ex) : null,
            ["fan_in_fan_out"] = false,
            ["bias"] = "none",
            ["use_rslora"] = config.UseRsLora,
            ["use_dora"] = false,
            ["init_lora_weights"] = config.Init switch { LoraInit.Gaussian => "gaussian", LoraInit.Random => false, _ => true },
            ["modules_to_save"] = config.ModulesToSave is { } save ? Array(save) : null,
            ["layers_to_transform"] = config.LayersToTransform is { } layers ? new JsonArray(layers.Select(l => (JsonNode?)l).ToArray()) : null,
            ["layers_pattern"] = config.LayersToTransform is null ? null : "layers",
            ["rank_pattern"] = new JsonObject(config.RankPattern.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["alpha_pattern"] = new JsonObject(config.AlphaPattern.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)WholeOrFraction(kv.Value)))),
            ["lora_bias"] = false,
            ["target_parameters"] = null,
            ["trainable_token_indices"] = null,
            ["layer_replication"] = null,
        };
        AtomicFile.WriteAllText(Path.Combine(adapterDirectory, FileName), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    static JsonArray Array(IEnumerable<string> items) => new(items.Select(s => (JsonNode?)s).ToArray());

    // PEFT types lora_alpha as int; keep whole values integers so strict readers accept the file.
    static JsonNode WholeOrFraction(double v) => v == Math.Floor(v) && Math.Abs(v) < int.MaxValue ? (int)v : v;

    static LoraInit ParseInit(JsonNode? node, string path) => node switch
    {
        null => LoraInit.Default,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? LoraInit.Default : LoraInit.Random,
        JsonValue v when v.TryGetValue<string>(out var s) && s == "gaussian" => LoraInit.Gaussian,
        JsonValue v when v.TryGetValue<string>(out var s) => throw Fail(path, "init_lora_weights",
            $"is \"{s}\"; only true, false and \"gaussian\" are supported (PiSSA, OLoRA, LoftQ, EVA and CorDA change the base weights)"),
        _ => throw Fail(path, "init_lora_weights", "must be true, false or \"gaussian\""),
    };

    static (IReadOnlyList<string>? List, string? Regex) ListOrRegex(JsonObject o, string field, string path) => o[field] switch
    {
        null => (null, null),
        JsonValue v when v.TryGetValue<string>(out var s) => s == LoraConfig.AllLinear ? ([s], null) : (null, s),
        JsonArray => (Strings(o, field, path), null),
        _ => throw Fail(path, field, "must be a list of module names or a string"),
    };

    static List<string>? Strings(JsonObject o, string field, string path) => o[field] switch
    {
        null => null,
        JsonArray a => a.Select((n, i) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : throw Fail(path, $"{field}[{i}]", "must be a string")).ToList(),
        _ => throw Fail(path, field, "must be a list of strings"),
    };

    static Dictionary<string, T> Map<T>(JsonObject o, string field, string path, Func<JsonNode?, string, T> value) => o[field] switch
    {
        null => [],
        JsonObject m => m.ToDictionary(kv => kv.Key, kv => value(kv.Value, $"{field}.{kv.Key}")),
        _ => throw Fail(path, field, "must be an object of pattern → value"),
    };

    static string? String(JsonObject o, string field, string path) => o[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw Fail(path, field, "must be a string"),
    };

    static bool Bool(JsonObject o, string field, string path) => o[field] switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => throw Fail(path, field, "must be true or false"),
    };

    static int? Int(JsonObject o, string field, string path) => o[field] is { } n ? IntValue(n, path, field) : null;

    static double? Number(JsonObject o, string field, string path) => o[field] is { } n ? NumberValue(n, path, field) : null;

    static int IntValue(JsonNode? n, string path, string field) =>
        n is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw Fail(path, field, "must be an integer");

    static double NumberValue(JsonNode? n, string path, string field) =>
        n is JsonValue v && v.TryGetValue<double>(out var d) ? d : throw Fail(path, field, "must be a number");

    static CheckpointException Fail(string path, string field, string problem) => new($"{path}: \"{field}\" {problem}.");
}
