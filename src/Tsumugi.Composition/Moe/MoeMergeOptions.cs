namespace Tsumugi.Composition.Moe;

/// <summary>How <see cref="MoeMerger.Run"/> writes its output.</summary>
/// <param name="Output">Directory to create (must not exist or be empty).</param>
/// <param name="Seed">Seeds noise_scale noise and the random / uniform_random gates.</param>
/// <param name="Encode">Text → token ids without BOS (the base model's tokenizer), for the prompt-based gate modes;
/// the base config's bos_token_id is prepended, as mergekit prefixes the BOS token.</param>
public sealed record MoeMergeOptions(
    string Output, ulong Seed = 0, Func<string, IReadOnlyList<int>>? Encode = null, long MaxShardBytes = 5L << 30,
    Action<int, int>? Progress = null);
