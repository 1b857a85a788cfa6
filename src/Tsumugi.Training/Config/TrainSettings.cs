namespace Tsumugi.Training.Config;

/// <summary><c>train:</c> batch geometry, budget and loss options.</summary>
public sealed record TrainSettings
{
    public int SeqLength { get; init; } = 512;
    public int MicroBatchSize { get; init; } = 8;

    /// <summary>Tokens per optimizer step across all ranks = micro_batch_size × seq_length × accumulation × world size.</summary>
    public long? GlobalBatchTokens { get; init; }

    public long? MaxSteps { get; init; }

    /// <summary>Token budget (with <c>data.path</c>); curricula carry their own budgets in their stages.</summary>
    public long? Tokens { get; init; }

    public double GradClip { get; init; } = 1.0;
    public double ZLoss { get; init; }

    /// <summary>Per-document attention (Megatron reset_attention_mask + reset_position_ids) on packed rows.</summary>
    public bool AttentionReset { get; init; }

    /// <summary>
    /// <c>gradient_checkpointing</c> (HF/TRL's name): each decoder layer keeps only its input and is recomputed in
    /// backward — activation memory drops to one layer's worth plus a hidden state per layer, for about one extra forward.
    /// </summary>
    public bool GradientCheckpointing { get; init; }

    public TrainDevice Device { get; init; } = TrainDevice.Auto;

    /// <summary>Intra-op threads (0 = libtorch's default). Bit-exact resume on CPU needs the same value.</summary>
    public int Threads { get; init; }
}
