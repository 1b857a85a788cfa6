namespace Tsumugi.Modeling.Adapters;

/// <summary>
/// A LoRA adapter's settings, PEFT's <c>LoraConfig</c> (adapter_config.json) for the fields Tsumugi implements; the
/// defaults are PEFT's. <see cref="LoraConfigJson"/> reads and writes the file and refuses settings this implementation
/// would silently get wrong (DoRA, bias training, fan_in_fan_out, PiSSA-style inits that rewrite the base weights…).
/// </summary>
public sealed record LoraConfig
{
    /// <summary>PEFT's value for <c>target_modules</c> meaning every linear layer except the output head.</summary>
    public const string AllLinear = "all-linear";

    /// <summary>r: the rank of A [r, in] and B [out, r].</summary>
    public int Rank { get; init; } = 8;

    /// <summary>lora_alpha: the update is scaled by alpha / r (alpha / √r with <see cref="UseRsLora"/>).</summary>
    public double Alpha { get; init; } = 8;

    /// <summary>lora_dropout: dropout on the adapter's input while training (the base path never sees it).</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// target_modules: module names matched against the end of each projection's path (q_proj, k_proj, v_proj, o_proj,
    /// gate_proj, up_proj, down_proj; Mixtral w1, w2, w3 and the router gate), or one entry <see cref="AllLinear"/>.
    /// Null: PEFT's default for the model type (q_proj and v_proj for llama, mistral and mixtral).
    /// </summary>
    public IReadOnlyList<string>? TargetModules { get; init; }

    /// <summary>target_modules given as a string: a regex that must match the whole module path.</summary>
    public string? TargetModulesRegex { get; init; }

    /// <summary>exclude_modules: names (suffix match, as targets) never adapted.</summary>
    public IReadOnlyList<string>? ExcludeModules { get; init; }

    /// <summary>layers_to_transform: only these decoder layer indices (null: all).</summary>
    public IReadOnlyList<int>? LayersToTransform { get; init; }

    /// <summary>rank_pattern: regex (matched at the end of the module path) → rank for those modules.</summary>
    public IReadOnlyDictionary<string, int> RankPattern { get; init; } = new Dictionary<string, int>();

    /// <summary>alpha_pattern: regex → alpha for those modules.</summary>
    public IReadOnlyDictionary<string, double> AlphaPattern { get; init; } = new Dictionary<string, double>();

    /// <summary>use_rslora: scale by alpha / √r (rank-stabilised LoRA) instead of alpha / r.</summary>
    public bool UseRsLora { get; init; }

    /// <summary>init_lora_weights: true (A kaiming-uniform, B zeros), "gaussian" (A ~ N(0, 1/r), B zeros) or false (both random).</summary>
    public LoraInit Init { get; init; } = LoraInit.Default;

    /// <summary>modules_to_save: modules trained in full and saved whole (e.g. lm_head, embed_tokens).</summary>
    public IReadOnlyList<string>? ModulesToSave { get; init; }

    /// <summary>base_model_name_or_path, recorded for people and tools; not checked on load (paths differ between machines).</summary>
    public string? BaseModelNameOrPath { get; init; }

    /// <summary>The scale s of the update s·B·A for a module of rank <paramref name="rank"/> and alpha <paramref name="alpha"/>.</summary>
    public double ScaleFor(int rank, double alpha) => UseRsLora ? alpha / Math.Sqrt(rank) : alpha / rank;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field when a value is out of range.</summary>
    public void Validate(string where = "LoRA config")
    {
        if (Rank <= 0) throw new ArgumentException($"{where}: r must be a positive rank, not {Rank}.");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"{where}: lora_dropout must be in [0, 1), not {Dropout}.");
        if (TargetModules is not null && TargetModulesRegex is not null)
            throw new ArgumentException($"{where}: give target_modules as a list of names or as one regex, not both.");
        if (TargetModules is { Count: 0 }) throw new ArgumentException($"{where}: target_modules is empty; name at least one module (e.g. q_proj, v_proj) or use \"all-linear\".");
        foreach (var (pattern, r) in RankPattern)
            if (r <= 0) throw new ArgumentException($"{where}: rank_pattern '{pattern}' gives rank {r}; ranks must be positive.");
    }
}

/// <summary>PEFT's init_lora_weights values that Tsumugi implements.</summary>
public enum LoraInit
{
    /// <summary>true: A kaiming-uniform(a = √5), B = 0, so the adapter starts as a no-op.</summary>
    Default,

    /// <summary>"gaussian": A ~ N(0, 1/r), B = 0.</summary>
    Gaussian,

    /// <summary>false: A and B both random (kaiming-uniform); a debugging aid, the model changes at once.</summary>
    Random,
}
