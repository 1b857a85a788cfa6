namespace Tsumugi.Composition.Moe;

/// <summary>One <c>experts:</c> entry of a mergekit-moe config (<c>mergekit/moe/config.py</c> Expert).</summary>
/// <param name="Line">1-based line of the entry in the YAML file, for messages.</param>
public sealed record MoeExpertConfig(
    string SourceModel, IReadOnlyList<string> PositivePrompts, IReadOnlyList<string> NegativePrompts,
    double? NoiseScale, double? ResidualScale, long Line);

/// <summary>A mergekit-moe config (<c>MoEMergeConfig</c>) for the Mixtral output architecture.</summary>
/// <param name="GateMode">hidden (= hidden_last, mergekit's default), hidden_avg, cheap_embed, random or uniform_random.</param>
/// <param name="Dtype">Output safetensors dtype (F32/F16/BF16), or null for the base model's torch_dtype.</param>
/// <param name="Text">The file as read, copied into the output as <c>mergekit_moe_config.yml</c>.</param>
public sealed record MoeMergeConfig(
    string Path, string BaseModel, IReadOnlyList<MoeExpertConfig> Experts, string GateMode, string? Dtype,
    int ExpertsPerToken, string Text);
