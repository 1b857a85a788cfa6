using Tsumugi.Common.Config;

namespace Tsumugi.Training.Config;

/// <summary><c>model:</c> where the weights come from. Exactly one of Preset, ConfigPath, From.</summary>
public sealed record ModelSettings
{
    /// <summary>A built-in shape (tiny, 11m, 40m, 125m, 1b, 7b, …), randomly initialised.</summary>
    public string? Preset { get; init; }

    /// <summary>An HF config.json to initialise randomly.</summary>
    [ConfigKey("config")]
    public string? ConfigPath { get; init; }

    /// <summary>An HF model directory to continue pretraining from.</summary>
    public string? From { get; init; }

    /// <summary>
    /// Tokenizer directory. With Preset/ConfigPath: the vocabulary size and special ids come from it. With From: when it
    /// is larger than the model's, the vocabulary is extended (new rows = mean of the old pieces' rows). Copied into
    /// checkpoints and the final model either way.
    /// </summary>
    public string? Tokenizer { get; init; }

    /// <summary>
    /// Overrides the vocabulary size of a preset or config: a number, or <c>auto</c> (YAML) — see <see cref="VocabSizeFromData"/>.
    /// </summary>
    public int? VocabSize { get; init; }

    /// <summary>
    /// <c>vocab_size: auto</c>: the datasets' manifest <c>vocab_size</c>, else the largest token id in them + 1 (rounded
    /// up to a multiple of 64), so a preset trains on any Megatron dataset without a tokenizer.
    /// </summary>
    [NotConfigKey]
    public bool VocabSizeFromData { get; init; }

    /// <summary>Parameter dtype; null: float32 on the CPU, bfloat16 on CUDA.</summary>
    public ParameterDtype? Dtype { get; init; }
}
