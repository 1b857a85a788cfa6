using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Tsumugi.Common;

namespace Tsumugi.Modeling;

/// <summary>
/// A Hugging Face `config.json` for the decoder family Tsumugi's one model covers (llama, mistral, mixtral, qwen2,
/// gemma2), read and written by System.Text.Json in HF's own spelling and key order; keys Tsumugi does not model are
/// kept verbatim and written back on save. The property initialisers are the only defaults: a key missing from a file
/// and a property left unset in code get the same value, that of transformers' LlamaConfig (e.g.
/// max_position_embeddings 2048, bos 1, eos 2) — except the keys whose transformers default depends on the model type
/// (Gemma 2's head_dim 256, softcaps, bos 2 / eos 1 / pad 0, tied embeddings; Qwen2's sliding-window keys), which
/// take that type's default until set. What the model type implies (Qwen2's q/k/v biases, Gemma's norms, …) is read
/// by the layers through derived switches (<see cref="QkvBias"/>, <see cref="NormAddsOne"/>, …), never by type name.
/// </summary>
public sealed class LlamaConfig
{
    public static readonly string[] SupportedModelTypes = ["llama", "mistral", "mixtral", "qwen2", "gemma2"];
    public static readonly string[] SupportedActivations = ["silu", "gelu_pytorch_tanh"];

    string[]? _architectures;
    int? _numKeyValueHeads;
    string? _hiddenAct;
    bool? _tieWordEmbeddings;
    TypeDefault<int?> _headDim, _slidingWindow, _queryPreAttnScalar, _bosTokenId, _padTokenId;
    TypeDefault<double?> _attnLogitSoftcapping, _finalLogitSoftcapping;
    TypeDefault<string?> _hiddenActivation;
    TypeDefault<int[]> _eosTokenIds;
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
    /// <summary>Explicit head dimension; null means hidden_size / num_attention_heads (Gemma 2 defaults to 256).</summary>
    [JsonPropertyName("head_dim"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? HeadDimOverride { get => _headDim.Get(IsGemma2 ? 256 : null); set => _headDim.Set(value); }
    /// <summary>The MLP activation of every type but Gemma 2 (which reads <see cref="HiddenActivation"/>); see <see cref="Activation"/>.</summary>
    [JsonPropertyName("hidden_act")]
    public string HiddenAct { get => _hiddenAct ?? (IsGemma2 ? "gelu_pytorch_tanh" : "silu"); set => _hiddenAct = value; }
    /// <summary>Gemma 2's spelling of the activation (default gelu_pytorch_tanh); null falls back to hidden_act.</summary>
    [JsonPropertyName("hidden_activation")]
    public string? HiddenActivation { get => _hiddenActivation.Get(IsGemma2 ? "gelu_pytorch_tanh" : null); set => _hiddenActivation.Set(value); }
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
    /// <summary>The output projection shares the embedding matrix (no lm_head.weight); Gemma 2 defaults to true.</summary>
    [JsonPropertyName("tie_word_embeddings")]
    public bool TieWordEmbeddings { get => _tieWordEmbeddings ?? IsGemma2; set => _tieWordEmbeddings = value; }
    /// <summary>Biases on q/k/v/o (Llama, Mistral, Gemma 2); Qwen2 has no such key: see <see cref="QkvBias"/>.</summary>
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; set; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; set; }
    /// <summary>
    /// The attention window (token i sees keys i−window+1 … i) of the layers that have one: every layer for
    /// llama/mistral/mixtral, the even layers for Gemma 2, the layers from max_window_layers on for Qwen2 when
    /// use_sliding_window is true (<see cref="LayerSlidingWindow"/>). Qwen2 and Gemma 2 default to 4096.
    /// </summary>
    [JsonPropertyName("sliding_window")]
    public int? SlidingWindow { get => _slidingWindow.Get(ModelType is "qwen2" or "gemma2" ? 4096 : null); set => _slidingWindow.Set(value); }
    /// <summary>Qwen2: whether <see cref="SlidingWindow"/> applies at all (false in every released Qwen2/2.5).</summary>
    [JsonPropertyName("use_sliding_window")] public bool UseSlidingWindow { get; set; }
    /// <summary>Qwen2: layers with an index below this attend globally, the others use the window.</summary>
    [JsonPropertyName("max_window_layers")] public int MaxWindowLayers { get; set; } = 28;
    /// <summary>Gemma 2: attention scores are scaled by query_pre_attn_scalar^−½ instead of head_dim^−½ (default 256).</summary>
    [JsonPropertyName("query_pre_attn_scalar")]
    public int? QueryPreAttnScalar { get => _queryPreAttnScalar.Get(IsGemma2 ? 256 : null); set => _queryPreAttnScalar.Set(value); }
    /// <summary>Gemma 2: attention scores become tanh(s/cap)·cap before mask and softmax (default 50; null = off).</summary>
    [JsonPropertyName("attn_logit_softcapping")]
    public double? AttnLogitSoftcapping { get => _attnLogitSoftcapping.Get(IsGemma2 ? 50.0 : null); set => _attnLogitSoftcapping.Set(value); }
    /// <summary>Gemma 2: output logits become tanh(l/cap)·cap (default 30; null = off).</summary>
    [JsonPropertyName("final_logit_softcapping")]
    public double? FinalLogitSoftcapping { get => _finalLogitSoftcapping.Get(IsGemma2 ? 30.0 : null); set => _finalLogitSoftcapping.Set(value); }
    /// <summary>Number of experts per MoE layer; 0 for a dense model.</summary>
    [JsonPropertyName("num_local_experts")] public int NumLocalExperts { get; set; }
    [JsonPropertyName("num_experts_per_tok")] public int NumExpertsPerTok { get; set; } = 2;
    [JsonPropertyName("router_aux_loss_coef")] public double RouterAuxLossCoef { get; set; } = 0.001;
    [JsonPropertyName("router_jitter_noise")] public double RouterJitterNoise { get; set; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get => _bosTokenId.Get(IsGemma2 ? 2 : 1); set => _bosTokenId.Set(value); }
    /// <summary>One or more end-of-sequence ids (Llama 3 lists several); written as a number when there is one.</summary>
    [JsonPropertyName("eos_token_id"), JsonConverter(typeof(TokenIdsConverter))]
    public int[] EosTokenIds { get => _eosTokenIds.Get(IsGemma2 ? [1] : [2]); set => _eosTokenIds.Set(value); }
    [JsonPropertyName("pad_token_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PadTokenId { get => _padTokenId.Get(IsGemma2 ? 0 : null); set => _padTokenId.Set(value); }
    [JsonPropertyName("torch_dtype")] public string TorchDtype { get; set; } = "float32";

    /// <summary>
    /// Keys not modelled above, kept so that a load → save round trip loses nothing (public because System.Text.Json
    /// wrote a non-public extension-data property as a nested object instead of merging it).
    /// </summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    [JsonIgnore] public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;
    [JsonIgnore] public bool IsMoE => NumLocalExperts > 0;
    bool IsGemma2 => ModelType == "gemma2";

    // Switches the layers read: what the model type implies, in one place.
    /// <summary>q/k/v projections have a bias: attention_bias, or always for Qwen2.</summary>
    [JsonIgnore] public bool QkvBias => AttentionBias || ModelType == "qwen2";
    /// <summary>o_proj has a bias: attention_bias, never for Qwen2.</summary>
    [JsonIgnore] public bool OProjBias => AttentionBias && ModelType != "qwen2";
    /// <summary>gate/up/down projections have a bias (mlp_bias; Qwen2 and Gemma 2 have none).</summary>
    [JsonIgnore] public bool MlpProjBias => MlpBias && ModelType is not ("qwen2" or "gemma2");
    /// <summary>Gemma RMSNorm: normalise and scale by (1 + weight) in fp32, then cast; weights start at 0.</summary>
    [JsonIgnore] public bool NormAddsOne => IsGemma2;
    /// <summary>Gemma: the embedding output is multiplied by √hidden_size (rounded to the hidden dtype); null = not scaled.</summary>
    [JsonIgnore] public double? EmbeddingScale => IsGemma2 ? Math.Sqrt(HiddenSize) : null;
    /// <summary>Gemma 2: the attention and MLP outputs are normalised too (post_attention_layernorm, pre/post_feedforward_layernorm).</summary>
    [JsonIgnore] public bool SandwichNorms => IsGemma2;
    /// <summary>The multiplier of q·k: query_pre_attn_scalar^−½ for Gemma 2, head_dim^−½ otherwise.</summary>
    [JsonIgnore] public double AttentionScale => 1.0 / Math.Sqrt(IsGemma2 && QueryPreAttnScalar is { } s ? s : HeadDim);
    /// <summary>The attention-score softcap in effect (Gemma 2 only), or null.</summary>
    [JsonIgnore] public double? AttentionSoftcap => IsGemma2 ? AttnLogitSoftcapping : null;
    /// <summary>The output-logit softcap in effect (Gemma 2 only), or null.</summary>
    [JsonIgnore] public double? LogitSoftcap => IsGemma2 ? FinalLogitSoftcapping : null;
    /// <summary>The MLP activation in effect: hidden_activation (falling back to hidden_act) for Gemma 2, hidden_act otherwise.</summary>
    [JsonIgnore] public string Activation => IsGemma2 ? HiddenActivation ?? HiddenAct : HiddenAct;

    /// <summary>The attention window of layer <paramref name="layer"/>, or null where it attends globally (HF's per-type rule).</summary>
    public int? LayerSlidingWindow(int layer) => ModelType switch
    {
        "gemma2" => layer % 2 == 0 ? SlidingWindow : null,
        "qwen2" => UseSlidingWindow && layer >= MaxWindowLayers ? SlidingWindow : null,
        _ => SlidingWindow,
    };

    /// <summary>Whether some layer uses <see cref="SlidingWindow"/> / some layer attends globally.</summary>
    [JsonIgnore] public bool HasWindowedLayers => Enumerable.Range(0, NumHiddenLayers).Any(l => LayerSlidingWindow(l) is not null);
    [JsonIgnore] public bool HasGlobalLayers => Enumerable.Range(0, NumHiddenLayers).Any(l => LayerSlidingWindow(l) is null);

    /// <summary>Other spellings transformers accepts (num_experts in some MoE configs, dtype in v5) → ours.</summary>
    static readonly (string Alias, string Key)[] Aliases = [("num_experts", "num_local_experts"), ("dtype", "torch_dtype")];

    /// <summary>Keys written only where transformers writes them: the MoE ones for MoE models, one rope spelling, …</summary>
    /// A type-specific key read from another type's file is written back too (its value was set), so nothing is lost.
    static readonly Dictionary<string, Func<LlamaConfig, bool>> WrittenWhen = new()
    {
        ["rope_theta"] = c => !c._ropeParametersSpelling,
        ["rope_scaling"] = c => !c._ropeParametersSpelling && (!c.IsGemma2 || c.RopeScaling is not null),
        ["rope_parameters"] = c => c._ropeParametersSpelling,
        ["hidden_act"] = c => !c.IsGemma2 || c._hiddenAct is not null,
        ["hidden_activation"] = c => c.IsGemma2 || c._hiddenActivation.IsSet,
        ["attention_bias"] = c => c.ModelType != "qwen2" || c.AttentionBias,
        ["mlp_bias"] = c => c.ModelType is not ("qwen2" or "gemma2") || c.MlpBias,
        ["sliding_window"] = c => c.ModelType != "llama",
        ["use_sliding_window"] = c => c.ModelType == "qwen2" || c.UseSlidingWindow,
        ["max_window_layers"] = c => c.ModelType == "qwen2",
        ["query_pre_attn_scalar"] = c => c.IsGemma2 || c._queryPreAttnScalar.IsSet,
        ["attn_logit_softcapping"] = c => c.IsGemma2 || c._attnLogitSoftcapping.IsSet,
        ["final_logit_softcapping"] = c => c.IsGemma2 || c._finalLogitSoftcapping.IsSet,
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
        "qwen2" => "Qwen2ForCausalLM",
        "gemma2" => "Gemma2ForCausalLM",
        _ => "LlamaForCausalLM",
    };

    /// <summary>Parameter counts above this overflow the 64-bit byte sizes of a training run (16 bytes per parameter).</summary>
    public const double MaxParameters = long.MaxValue / 16.0;

    /// <summary>Rejects combinations the model cannot build, naming the offending key.</summary>
    public void Validate(string source = "config.json")
    {
        void Fail(string message) => throw new InvalidDataException($"{source}: {message}");
        if (Array.IndexOf(SupportedModelTypes, ModelType) < 0) Fail($"model_type '{ModelType}' is not supported (supported: {string.Join(", ", SupportedModelTypes)}).");
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
        if (Array.IndexOf(SupportedActivations, Activation) < 0)
            Fail($"{(IsGemma2 && HiddenActivation is not null ? "hidden_activation" : "hidden_act")} '{Activation}' is not supported (supported: {string.Join(", ", SupportedActivations)}).");
        if (SlidingWindow is <= 0) Fail($"sliding_window must be positive or null (got {SlidingWindow}).");
        if (MaxWindowLayers < 0) Fail($"max_window_layers must not be negative (got {MaxWindowLayers}).");
        if (QueryPreAttnScalar is <= 0) Fail($"query_pre_attn_scalar must be positive (got {QueryPreAttnScalar}).");
        if (AttnLogitSoftcapping is <= 0) Fail($"attn_logit_softcapping must be positive or null (got {AttnLogitSoftcapping}).");
        if (FinalLogitSoftcapping is <= 0) Fail($"final_logit_softcapping must be positive or null (got {FinalLogitSoftcapping}).");
        if (NumLocalExperts < 0) Fail($"num_local_experts must not be negative (got {NumLocalExperts}).");
        if (IsMoE && (NumExpertsPerTok <= 0 || NumExpertsPerTok > NumLocalExperts))
            Fail($"num_experts_per_tok ({NumExpertsPerTok}) must be between 1 and num_local_experts ({NumLocalExperts}).");
        if (ModelType == "mixtral" && !IsMoE) Fail("model_type 'mixtral' needs num_local_experts > 0.");
        if (IsMoE && ModelType != "mixtral") Fail($"num_local_experts is set but model_type is '{ModelType}'; use model_type 'mixtral' for MoE models.");
        // In double: the long arithmetic of ModelAccounting (and byte sizes = parameters × 16 for training) would wrap silently.
        var parameters = ModelAccounting.TotalParametersEstimate(this);
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
    /// A key whose transformers default depends on model_type: until a file or code sets it (possibly to null), the
    /// getter's type default applies.
    /// </summary>
    struct TypeDefault<T>
    {
        T _value;
        public bool IsSet { get; private set; }
        public readonly T Get(T typeDefault) => IsSet ? _value : typeDefault;
        public void Set(T value) => (_value, IsSet) = (value, true);
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
