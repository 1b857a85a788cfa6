using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Tsumugi.Common;

namespace Tsumugi.Modeling;

/// <summary>
/// A Hugging Face `config.json` for the Llama family (llama, mistral, mixtral), read and written by System.Text.Json
/// in HF's own spelling and key order; keys Tsumugi does not model are kept verbatim and written back on save.
/// The property initialisers are the only defaults: a key missing from a file and a property left unset in code get
/// the same value, that of transformers' LlamaConfig (e.g. max_position_embeddings 2048, bos 1, eos 2).
/// </summary>
public sealed class LlamaConfig
{
    string[]? _architectures;
    int? _numKeyValueHeads;
    /// <summary>True when the file used transformers v5's `rope_parameters` spelling; saving keeps that spelling.</summary>
    bool _ropeParametersSpelling;
    /// <summary>The rope objects as read, turned into <see cref="RopeScaling"/> by <see cref="FromJson"/> (which names the file in errors).</summary>
    RopeJson? _ropeScalingRead, _ropeParametersRead;

    /// <summary>Defaults to the model type's class (LlamaForCausalLM, MistralForCausalLM, MixtralForCausalLM).</summary>
    [JsonPropertyName("architectures")]
    public string[] Architectures { get => _architectures ?? [DefaultArchitecture(ModelType)]; set => _architectures = value; }
    [JsonPropertyName("model_type")] public string ModelType { get; set; } = "llama";
    [JsonPropertyName("vocab_size")] public int VocabSize { get; set; } = 32000;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; set; } = 4096;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; set; } = 11008;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; set; } = 32;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; set; } = 32;
    /// <summary>Defaults to <see cref="NumAttentionHeads"/> (multi-head attention), as in HF.</summary>
    [JsonPropertyName("num_key_value_heads")]
    public int NumKeyValueHeads { get => _numKeyValueHeads ?? NumAttentionHeads; set => _numKeyValueHeads = value; }
    /// <summary>Explicit head dimension; null means hidden_size / num_attention_heads.</summary>
    [JsonPropertyName("head_dim"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? HeadDimOverride { get; set; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; set; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; set; } = 2048;
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; set; } = 0.02;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; set; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; set; } = 10000.0;
    [JsonIgnore] public RopeScaling? RopeScaling { get; set; }
    // RopeScaling as written, in the spelling the file had (see WrittenWhen).
    [JsonPropertyName("rope_scaling"), JsonInclude]
    RopeJson? RopeScalingJson { get => RopeScaling is null ? null : RopeJson.From(RopeScaling); set => _ropeScalingRead = value; }
    [JsonPropertyName("rope_parameters"), JsonInclude]
    RopeJson? RopeParametersJson
    {
        get => (RopeScaling is null ? new RopeJson { RopeType = "default" } : RopeJson.From(RopeScaling)) with { RopeTheta = RopeTheta };
        set => _ropeParametersRead = value;
    }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; set; }
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; set; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; set; }
    [JsonPropertyName("sliding_window")] public int? SlidingWindow { get; set; }
    /// <summary>Number of experts per MoE layer; 0 for a dense model.</summary>
    [JsonPropertyName("num_local_experts")] public int NumLocalExperts { get; set; }
    [JsonPropertyName("num_experts_per_tok")] public int NumExpertsPerTok { get; set; } = 2;
    [JsonPropertyName("router_aux_loss_coef")] public double RouterAuxLossCoef { get; set; } = 0.001;
    [JsonPropertyName("router_jitter_noise")] public double RouterJitterNoise { get; set; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; set; } = 1;
    /// <summary>One or more end-of-sequence ids (Llama 3 lists several); written as a number when there is one.</summary>
    [JsonPropertyName("eos_token_id"), JsonConverter(typeof(TokenIdsConverter))]
    public int[] EosTokenIds { get; set; } = [2];
    [JsonPropertyName("pad_token_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PadTokenId { get; set; }
    [JsonPropertyName("torch_dtype")] public string TorchDtype { get; set; } = "float32";

    /// <summary>
    /// Keys not modelled above, kept so that a load → save round trip loses nothing (public because System.Text.Json
    /// wrote a non-public extension-data property as a nested object instead of merging it).
    /// </summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    [JsonIgnore] public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;
    [JsonIgnore] public bool IsMoE => NumLocalExperts > 0;

    /// <summary>Other spellings transformers accepts (num_experts in some MoE configs, dtype in v5) → ours.</summary>
    static readonly (string Alias, string Key)[] Aliases = [("num_experts", "num_local_experts"), ("dtype", "torch_dtype")];

    /// <summary>Keys written only where transformers writes them: the MoE ones for MoE models, one rope spelling, …</summary>
    static readonly Dictionary<string, Func<LlamaConfig, bool>> WrittenWhen = new()
    {
        ["rope_theta"] = c => !c._ropeParametersSpelling,
        ["rope_scaling"] = c => !c._ropeParametersSpelling,
        ["rope_parameters"] = c => c._ropeParametersSpelling,
        ["sliding_window"] = c => c.ModelType != "llama",
        ["num_local_experts"] = c => c.IsMoE,
        ["num_experts_per_tok"] = c => c.IsMoE,
        ["router_aux_loss_coef"] = c => c.IsMoE,
        ["router_jitter_noise"] = c => c.IsMoE,
    };

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new FloatConverter(), new IntegerConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Type != typeof(LlamaConfig)) return;
                    foreach (var p in info.Properties)
                        if (WrittenWhen.TryGetValue(p.Name, out var when)) p.ShouldSerialize = (o, _) => when((LlamaConfig)o);
                },
            },
        },
    };

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
        Normalize(root);
        LlamaConfig c;
        try { c = root.Deserialize<LlamaConfig>(Json)!; }
        catch (JsonException e) { throw TypeError(root, e, source); }
        c.ReadRope(source);
        c.Validate(source);
        return c;
    }

    /// <summary>Brings HF's variants to the one shape the properties read.</summary>
    static void Normalize(JsonObject root)
    {
        foreach (var (alias, key) in Aliases)
        {
            if (!root.TryGetPropertyValue(alias, out var value)) continue;
            root.Remove(alias);
            if (root[key] is null) root[key] = value;
        }
        // A null eos_token_id means "no end-of-sequence token", as a null bos_token_id means no BOS.
        if (root.TryGetPropertyValue("eos_token_id", out var eos) && eos is null) root["eos_token_id"] = new JsonArray();
        // HF writes null for "unset": where the property cannot hold null, the default applies.
        foreach (var p in Json.GetTypeInfo(typeof(LlamaConfig)).Properties)
            if (!p.IsSetNullable && root.TryGetPropertyValue(p.Name, out var value) && value is null) root.Remove(p.Name);
    }

    /// <summary>A value of the wrong JSON type, reported as the key and what it must be.</summary>
    static InvalidDataException TypeError(JsonObject root, JsonException e, string source)
    {
        if (e.Path is not { Length: > 2 } path) return new InvalidDataException($"{source}: {e.Message}");
        var keys = path[2..].Split('[')[0].Split('.'); // $.rope_scaling.factor, $.eos_token_id[1]
        JsonNode? value = root;
        var type = typeof(LlamaConfig);
        foreach (var key in keys)
        {
            value = value is JsonObject o ? o[key] : null;
            type = Json.GetTypeInfo(type).Properties.FirstOrDefault(p => p.Name == key)?.PropertyType ?? type;
        }
        var expected = (Nullable.GetUnderlyingType(type) ?? type) switch
        {
            var t when t == typeof(int) => "an integer",
            var t when t == typeof(double) => "a number",
            var t when t == typeof(bool) => "true or false",
            var t when t == typeof(string) => "a string",
            var t when t == typeof(string[]) => "a list of strings",
            var t when t == typeof(int[]) => "an integer or a list of integers",
            _ => "an object or null",
        };
        return new InvalidDataException($"{source}: {string.Join('.', keys)} must be {expected} (got {value?.ToJsonString() ?? "null"}).");
    }

    /// <summary>
    /// `rope_parameters` (transformers v5: type, factor and rope_theta together) wins over `rope_scaling`; the
    /// `default` type means no scaling.
    /// </summary>
    void ReadRope(string source)
    {
        var (scaling, key) = _ropeParametersRead is { } parameters ? (parameters, "rope_parameters") : (_ropeScalingRead, "rope_scaling");
        _ropeParametersSpelling = _ropeParametersRead is not null;
        _ropeScalingRead = _ropeParametersRead = null;
        if (scaling is null) return;
        if (_ropeParametersSpelling) RopeTheta = scaling.RopeTheta ?? RopeTheta;
        var type = scaling.RopeType ?? scaling.Type ?? "default";
        if (Array.IndexOf(RopeScaling.SupportedTypes, type) < 0)
            throw new InvalidDataException($"{source}: {key}.rope_type '{type}' is not supported (supported: {string.Join(", ", RopeScaling.SupportedTypes)}).");
        if (type == "default") return;
        var defaults = new RopeScaling(type, scaling.Factor ?? throw new InvalidDataException($"{source}: {key}.factor is required for rope_type '{type}'."));
        RopeScaling = defaults with
        {
            LowFreqFactor = scaling.LowFreqFactor ?? defaults.LowFreqFactor,
            HighFreqFactor = scaling.HighFreqFactor ?? defaults.HighFreqFactor,
            OriginalMaxPositionEmbeddings = scaling.OriginalMaxPositionEmbeddings ?? defaults.OriginalMaxPositionEmbeddings,
        };
    }

    static string DefaultArchitecture(string modelType) => modelType switch
    {
        "mistral" => "MistralForCausalLM",
        "mixtral" => "MixtralForCausalLM",
        _ => "LlamaForCausalLM",
    };

    /// <summary>Parameter counts above this overflow the 64-bit byte sizes of a training run (16 bytes per parameter).</summary>
    public const double MaxParameters = long.MaxValue / 16.0;

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
        // In double: the long arithmetic of ModelAccounting (and byte sizes = parameters × 16 for training) would wrap silently.
        double h = HiddenSize, experts = Math.Max(1, NumLocalExperts), q = (double)NumAttentionHeads * HeadDim, kv = (double)NumKeyValueHeads * HeadDim;
        var parameters = 2.0 * VocabSize * h + NumHiddenLayers * (2 * h * q + 2 * h * kv + 3 * h * IntermediateSize * experts + h * experts);
        if (parameters > MaxParameters)
            Fail($"the sizes give about {parameters:0.##e+0} parameters (vocab_size {VocabSize}, hidden_size {HiddenSize}, intermediate_size {IntermediateSize}, num_hidden_layers {NumHiddenLayers}{(IsMoE ? $", num_local_experts {NumLocalExperts}" : "")}), beyond what 64-bit byte counts can hold; check those values.");
        foreach (var (key, id) in new[] { ("bos_token_id", BosTokenId), ("pad_token_id", PadTokenId) })
            if (id is { } v && (v < 0 || v >= VocabSize)) Fail($"{key} ({v}) is outside the vocabulary (vocab_size {VocabSize}).");
        foreach (var id in EosTokenIds)
            if (id < 0 || id >= VocabSize) Fail($"eos_token_id ({id}) is outside the vocabulary (vocab_size {VocabSize}).");
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void Save(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        AtomicFile.WriteAllText(path, ToJson());
    }

    /// <summary>`rope_scaling` / `rope_parameters` as HF writes them; absent fields stay null so the defaults are RopeScaling's.</summary>
    sealed record RopeJson
    {
        [JsonPropertyName("rope_type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RopeType { get; init; }
        /// <summary>The older spelling of rope_type; read, never written.</summary>
        [JsonPropertyName("type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Type { get; init; }
        [JsonPropertyName("factor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Factor { get; init; }
        [JsonPropertyName("low_freq_factor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? LowFreqFactor { get; init; }
        [JsonPropertyName("high_freq_factor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? HighFreqFactor { get; init; }
        [JsonPropertyName("original_max_position_embeddings"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? OriginalMaxPositionEmbeddings { get; init; }
        [JsonPropertyName("rope_theta"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? RopeTheta { get; init; }

        /// <summary>The fields HF writes for the type: llama3's three extra ones only for llama3.</summary>
        public static RopeJson From(RopeScaling s) => s.Type == "llama3"
            ? new() { RopeType = s.Type, Factor = s.Factor, LowFreqFactor = s.LowFreqFactor, HighFreqFactor = s.HighFreqFactor, OriginalMaxPositionEmbeddings = s.OriginalMaxPositionEmbeddings }
            : new() { RopeType = s.Type, Factor = s.Factor };
    }

    /// <summary>
    /// Floats always serialise with a decimal point (0.0, not 0): transformers v5 validates config fields strictly
    /// and rejects an int where a float is declared (e.g. router_jitter_noise).
    /// </summary>
    sealed class FloatConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : throw new JsonException();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value == Math.Floor(value) && Math.Abs(value) < 1e15
                ? value.ToString("F1", CultureInfo.InvariantCulture)
                : value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Integers as Python writes them, also when a tool wrote an integral float (4096.0).</summary>
    sealed class IntegerConverter : JsonConverter<int>
    {
        public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue
                ? (int)d
                : throw new JsonException();

        public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }

    /// <summary>An integer or a list of integers (HF's eos_token_id), as a list; one id is written as a number.</summary>
    sealed class TokenIdsConverter : JsonConverter<int[]>
    {
        public override int[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var integer = (JsonConverter<int>)options.GetConverter(typeof(int));
            if (reader.TokenType != JsonTokenType.StartArray) return [integer.Read(ref reader, typeof(int), options)];
            var ids = new List<int>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) ids.Add(integer.Read(ref reader, typeof(int), options));
            return [.. ids];
        }

        public override void Write(Utf8JsonWriter writer, int[] value, JsonSerializerOptions options)
        {
            if (value.Length == 1)
            {
                writer.WriteNumberValue(value[0]);
                return;
            }
            writer.WriteStartArray();
            foreach (var id in value) writer.WriteNumberValue(id);
            writer.WriteEndArray();
        }
    }
}
