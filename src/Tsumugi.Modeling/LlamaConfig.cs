using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Modeling;

/// <summary>
/// A Hugging Face `config.json` for the Llama family (llama, mistral, mixtral). Read and written in HF's own
/// spelling; keys Tsumugi does not model are kept verbatim and written back on save.
/// </summary>
public sealed class LlamaConfig
{
    public string ModelType { get; set; } = "llama";
    public string[] Architectures { get; set; } = ["LlamaForCausalLM"];
    public int VocabSize { get; set; } = 32000;
    public int HiddenSize { get; set; } = 4096;
    public int IntermediateSize { get; set; } = 11008;
    public int NumHiddenLayers { get; set; } = 32;
    public int NumAttentionHeads { get; set; } = 32;
    public int NumKeyValueHeads { get; set; } = 32;
    /// <summary>Explicit head dimension; null means hidden_size / num_attention_heads.</summary>
    public int? HeadDimOverride { get; set; }
    public int MaxPositionEmbeddings { get; set; } = 4096;
    public double RmsNormEps { get; set; } = 1e-6;
    public double RopeTheta { get; set; } = 10000.0;
    public RopeScaling? RopeScaling { get; set; }
    public bool TieWordEmbeddings { get; set; }
    public bool AttentionBias { get; set; }
    public bool MlpBias { get; set; }
    public int? SlidingWindow { get; set; }
    /// <summary>Number of experts per MoE layer; 0 for a dense model.</summary>
    public int NumLocalExperts { get; set; }
    public int NumExpertsPerTok { get; set; } = 2;
    public double RouterAuxLossCoef { get; set; } = 0.001;
    public double RouterJitterNoise { get; set; }
    public int? BosTokenId { get; set; } = 1;
    /// <summary>One or more end-of-sequence ids (Llama 3 lists several).</summary>
    public int[] EosTokenIds { get; set; } = [2];
    public int? PadTokenId { get; set; }
    public string TorchDtype { get; set; } = "float32";
    public double InitializerRange { get; set; } = 0.02;
    public string HiddenAct { get; set; } = "silu";

    /// <summary>Keys not modelled above, kept so that a load → save round trip loses nothing.</summary>
    JsonObject _extra = new();
    /// <summary>True when the file used transformers v5's `rope_parameters` spelling; saving keeps that spelling.</summary>
    bool _ropeParametersSpelling;

    public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;
    public bool IsMoE => NumLocalExperts > 0;

    static readonly string[] Modelled =
    [
        "model_type", "architectures", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings", "rms_norm_eps",
        "rope_theta", "rope_scaling", "rope_parameters", "tie_word_embeddings", "attention_bias", "mlp_bias",
        "sliding_window", "num_local_experts", "num_experts", "num_experts_per_tok", "router_aux_loss_coef",
        "router_jitter_noise", "bos_token_id", "eos_token_id", "pad_token_id", "torch_dtype", "dtype",
        "initializer_range", "hidden_act",
    ];

    public LlamaConfig Clone() => FromJson(ToJson(), "(clone)");

    public static LlamaConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config.json not found; a model directory needs an HF config.json (create one with `tsumugi model init`).", path);
        return FromJson(File.ReadAllText(path), path);
    }

    public static LlamaConfig FromJson(string json, string source = "config.json")
    {
        JsonObject root;
        try { root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: the top level must be a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: invalid JSON ({e.Message})."); }
        var reader = new ConfigReader(root, source);
        var c = new LlamaConfig
        {
            ModelType = reader.String("model_type") ?? "llama",
            VocabSize = reader.Int("vocab_size") ?? 32000,
            HiddenSize = reader.Int("hidden_size") ?? 4096,
            IntermediateSize = reader.Int("intermediate_size") ?? 11008,
            NumHiddenLayers = reader.Int("num_hidden_layers") ?? 32,
            NumAttentionHeads = reader.Int("num_attention_heads") ?? 32,
            HeadDimOverride = reader.Int("head_dim"),
            MaxPositionEmbeddings = reader.Int("max_position_embeddings") ?? 2048,
            RmsNormEps = reader.Double("rms_norm_eps") ?? 1e-6,
            TieWordEmbeddings = reader.Bool("tie_word_embeddings") ?? false,
            AttentionBias = reader.Bool("attention_bias") ?? false,
            MlpBias = reader.Bool("mlp_bias") ?? false,
            SlidingWindow = reader.Int("sliding_window"),
            NumExpertsPerTok = reader.Int("num_experts_per_tok") ?? 2,
            RouterAuxLossCoef = reader.Double("router_aux_loss_coef") ?? 0.001,
            RouterJitterNoise = reader.Double("router_jitter_noise") ?? 0.0,
            BosTokenId = reader.Int("bos_token_id"),
            EosTokenIds = reader.IntOrIntArray("eos_token_id") ?? [],
            PadTokenId = reader.Int("pad_token_id"),
            TorchDtype = reader.String("torch_dtype") ?? reader.String("dtype") ?? "float32",
            InitializerRange = reader.Double("initializer_range") ?? 0.02,
            HiddenAct = reader.String("hidden_act") ?? "silu",
        };
        c.NumKeyValueHeads = reader.Int("num_key_value_heads") ?? c.NumAttentionHeads;
        c.NumLocalExperts = reader.Int("num_local_experts") ?? reader.Int("num_experts") ?? 0;
        c.Architectures = reader.StringArray("architectures") ?? [DefaultArchitecture(c.ModelType)];
        ReadRope(root, reader, c, source);
        foreach (var (key, value) in root)
            if (Array.IndexOf(Modelled, key) < 0) c._extra[key] = value?.DeepClone();
        c.Validate(source);
        return c;
    }

    static void ReadRope(JsonObject root, ConfigReader reader, LlamaConfig c, string source)
    {
        c.RopeTheta = reader.Double("rope_theta") ?? 10000.0;
        JsonObject? scaling = null;
        string scalingKey = "rope_scaling";
        if (root["rope_parameters"] is JsonObject parameters)
        {
            c._ropeParametersSpelling = true;
            scalingKey = "rope_parameters";
            scaling = parameters;
            var nested = new ConfigReader(parameters, $"{source}: rope_parameters");
            c.RopeTheta = nested.Double("rope_theta") ?? c.RopeTheta;
        }
        else if (root["rope_scaling"] is JsonObject s) scaling = s;
        else if (root["rope_scaling"] is not null && root["rope_scaling"]!.GetValueKind() != JsonValueKind.Null)
            throw new InvalidDataException($"{source}: rope_scaling must be an object or null.");
        if (scaling is null) return;
        var r = new ConfigReader(scaling, $"{source}: {scalingKey}");
        var type = r.String("rope_type") ?? r.String("type") ?? "default";
        if (Array.IndexOf(RopeScaling.SupportedTypes, type) < 0)
            throw new InvalidDataException($"{source}: {scalingKey}.rope_type '{type}' is not supported (supported: {string.Join(", ", RopeScaling.SupportedTypes)}).");
        if (type == "default") return;
        c.RopeScaling = new RopeScaling(type,
            r.Double("factor") ?? throw new InvalidDataException($"{source}: {scalingKey}.factor is required for rope_type '{type}'."),
            r.Double("low_freq_factor") ?? 1.0,
            r.Double("high_freq_factor") ?? 4.0,
            r.Int("original_max_position_embeddings") ?? 8192);
    }

    static string DefaultArchitecture(string modelType) => modelType switch
    {
        "mistral" => "MistralForCausalLM",
        "mixtral" => "MixtralForCausalLM",
        _ => "LlamaForCausalLM",
    };

    /// <summary>Rejects combinations the model cannot build, naming the offending key.</summary>
    public void Validate(string source = "config.json")
    {
        void Fail(string message) => throw new InvalidDataException($"{source}: {message}");
        if (ModelType is not ("llama" or "mistral" or "mixtral")) Fail($"model_type '{ModelType}' is not supported (llama, mistral, mixtral).");
        foreach (var (key, value) in new (string, long)[]
                 {
                     ("vocab_size", VocabSize), ("hidden_size", HiddenSize), ("intermediate_size", IntermediateSize),
                     ("num_hidden_layers", NumHiddenLayers), ("num_attention_heads", NumAttentionHeads),
                     ("num_key_value_heads", NumKeyValueHeads), ("max_position_embeddings", MaxPositionEmbeddings),
                 })
            if (value <= 0) Fail($"{key} must be positive (got {value}).");
        if (HeadDimOverride is null && HiddenSize % NumAttentionHeads != 0)
            Fail($"hidden_size ({HiddenSize}) is not divisible by num_attention_heads ({NumAttentionHeads}); set head_dim or change one of them.");
        if (HeadDimOverride is { } hd && hd <= 0) Fail($"head_dim must be positive (got {hd}).");
        if (HeadDim % 2 != 0) Fail($"head_dim ({HeadDim}) must be even for rotary embeddings.");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            Fail($"num_attention_heads ({NumAttentionHeads}) is not divisible by num_key_value_heads ({NumKeyValueHeads}).");
        if (RmsNormEps <= 0) Fail($"rms_norm_eps must be positive (got {RmsNormEps}).");
        if (RopeTheta <= 0) Fail($"rope_theta must be positive (got {RopeTheta}).");
        if (RopeScaling is { Factor: <= 0 }) Fail($"rope_scaling.factor must be positive (got {RopeScaling.Factor}).");
        if (HiddenAct != "silu") Fail($"hidden_act '{HiddenAct}' is not supported (only silu, as in Llama/Mistral/Mixtral).");
        if (SlidingWindow is <= 0) Fail($"sliding_window must be positive or null (got {SlidingWindow}).");
        if (NumLocalExperts < 0) Fail($"num_local_experts must not be negative (got {NumLocalExperts}).");
        if (IsMoE && (NumExpertsPerTok <= 0 || NumExpertsPerTok > NumLocalExperts))
            Fail($"num_experts_per_tok ({NumExpertsPerTok}) must be between 1 and num_local_experts ({NumLocalExperts}).");
        if (ModelType == "mixtral" && !IsMoE) Fail("model_type 'mixtral' needs num_local_experts > 0.");
        if (IsMoE && ModelType != "mixtral") Fail($"num_local_experts is set but model_type is '{ModelType}'; use model_type 'mixtral' for MoE models.");
        foreach (var (key, id) in new[] { ("bos_token_id", BosTokenId), ("pad_token_id", PadTokenId) })
            if (id is { } v && (v < 0 || v >= VocabSize)) Fail($"{key} ({v}) is outside the vocabulary (vocab_size {VocabSize}).");
        foreach (var id in EosTokenIds)
            if (id < 0 || id >= VocabSize) Fail($"eos_token_id ({id}) is outside the vocabulary (vocab_size {VocabSize}).");
    }

    public string ToJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(Architectures.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
        };
        if (HeadDimOverride is { } hd) o["head_dim"] = hd;
        o["hidden_act"] = HiddenAct;
        o["max_position_embeddings"] = MaxPositionEmbeddings;
        o["initializer_range"] = Float(InitializerRange);
        o["rms_norm_eps"] = Float(RmsNormEps);
        WriteRope(o);
        o["tie_word_embeddings"] = TieWordEmbeddings;
        o["attention_bias"] = AttentionBias;
        o["mlp_bias"] = MlpBias;
        if (ModelType != "llama") o["sliding_window"] = SlidingWindow;
        if (IsMoE)
        {
            o["num_local_experts"] = NumLocalExperts;
            o["num_experts_per_tok"] = NumExpertsPerTok;
            o["router_aux_loss_coef"] = Float(RouterAuxLossCoef);
            o["router_jitter_noise"] = Float(RouterJitterNoise);
        }
        o["bos_token_id"] = BosTokenId;
        o["eos_token_id"] = EosTokenIds.Length == 1 ? JsonValue.Create(EosTokenIds[0]) : new JsonArray(EosTokenIds.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
        if (PadTokenId is { } pad) o["pad_token_id"] = pad;
        o["torch_dtype"] = TorchDtype;
        foreach (var (key, value) in _extra) o[key] = value?.DeepClone();
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    void WriteRope(JsonObject o)
    {
        JsonObject? scaling = RopeScaling is null ? null : new JsonObject
        {
            ["rope_type"] = RopeScaling.Type,
            ["factor"] = Float(RopeScaling.Factor),
        };
        if (RopeScaling is { Type: "llama3" } r)
        {
            scaling!["low_freq_factor"] = Float(r.LowFreqFactor);
            scaling["high_freq_factor"] = Float(r.HighFreqFactor);
            scaling["original_max_position_embeddings"] = r.OriginalMaxPositionEmbeddings;
        }
        if (_ropeParametersSpelling)
        {
            var p = scaling ?? new JsonObject { ["rope_type"] = "default" };
            p["rope_theta"] = Float(RopeTheta);
            o["rope_parameters"] = p;
        }
        else
        {
            o["rope_theta"] = Float(RopeTheta);
            o["rope_scaling"] = scaling;
        }
    }

    /// <summary>
    /// A float that always serialises with a decimal point (0.0, not 0): transformers v5 validates config fields
    /// strictly and rejects an int where a float is declared (e.g. router_jitter_noise).
    /// </summary>
    static JsonNode Float(double value) =>
        JsonNode.Parse(value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? value.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)
            : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture))!;

    public void Save(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        File.WriteAllText(path, ToJson());
    }

    /// <summary>Typed access to JSON fields with errors that name the key.</summary>
    sealed class ConfigReader(JsonObject obj, string source)
    {
        JsonValue? Value(string key) => obj[key] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
            JsonValue v => v,
            _ => throw new InvalidDataException($"{source}: {key} must be a single value."),
        };

        public int? Int(string key)
        {
            var v = Value(key);
            if (v is null) return null;
            if (v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) return (int)d;
            throw new InvalidDataException($"{source}: {key} must be an integer (got {v.ToJsonString()}).");
        }

        public double? Double(string key)
        {
            var v = Value(key);
            if (v is null) return null;
            if (v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d)) return d;
            throw new InvalidDataException($"{source}: {key} must be a number (got {v.ToJsonString()}).");
        }

        public bool? Bool(string key)
        {
            var v = Value(key);
            if (v is null) return null;
            return v.GetValueKind() switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new InvalidDataException($"{source}: {key} must be true or false (got {v.ToJsonString()})."),
            };
        }

        public string? String(string key)
        {
            var v = Value(key);
            if (v is null) return null;
            if (v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
            throw new InvalidDataException($"{source}: {key} must be a string (got {v.ToJsonString()}).");
        }

        public string[]? StringArray(string key) => obj[key] switch
        {
            null => null,
            JsonArray a => a.Select(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
                : throw new InvalidDataException($"{source}: {key} must be a list of strings.")).ToArray(),
            _ => throw new InvalidDataException($"{source}: {key} must be a list of strings."),
        };

        public int[]? IntOrIntArray(string key)
        {
            if (obj[key] is JsonArray a)
                return a.Select(n => n is JsonValue v && v.TryGetValue(out int i) ? i
                    : throw new InvalidDataException($"{source}: {key} must be an integer or a list of integers.")).ToArray();
            return Int(key) is { } single ? [single] : null;
        }
    }
}
