namespace Tsumugi.Training.Loop;

/// <summary>
/// What one optimizer step did: the loop builds it once and hands it to the metrics sinks (metrics.jsonl,
/// TensorBoard) and to progress display.
/// </summary>
public sealed record StepReport
{
    public required long Step { get; init; }
    public required long TotalSteps { get; init; }

    /// <summary>Tokens trained on so far (all ranks).</summary>
    public required long Tokens { get; init; }

    /// <summary>Cross-entropy (nats/token), averaged over ranks.</summary>
    public required double Loss { get; init; }

    /// <summary>The z-loss term, when <c>train.z_loss</c> is on.</summary>
    public required double? ZLoss { get; init; }

    /// <summary>Cross-entropy per domain of this step's rows.</summary>
    public required IReadOnlyDictionary<string, double> DomainLoss { get; init; }

    /// <summary>Held-out loss per domain, on evaluation steps only.</summary>
    public required IReadOnlyDictionary<string, double>? HeldOutLoss { get; init; }

    public required double LearningRate { get; init; }
    public required double GradNorm { get; init; }
    public required double TokensPerSecond { get; init; }
    /// <summary>Model FLOPs utilisation against the device's measured GEMM throughput (<see cref="PeakFlops"/>).</summary>
    public required double Mfu { get; init; }

    /// <summary>The same against the CPU's measured fp32 FMA peak (<see cref="FmaPeak"/>), the hardware ceiling; null on GPUs.</summary>
    public double? HardwareMfu { get; init; }

    /// <summary>Seconds this step spent in data-parallel collectives (null in one process).</summary>
    public double? CommunicationSeconds { get; init; }
    public required double MemoryMb { get; init; }
    public required string Stage { get; init; }

    /// <summary>The guard judged the step a spike and dropped its update.</summary>
    public required bool Skipped { get; init; }
    public required double EtaSeconds { get; init; }

    /// <summary>MoE: the router's load-balancing (aux) loss; null for dense models.</summary>
    public double? RouterAuxLoss { get; init; }

    /// <summary>MoE: per layer, each expert's share of the step's top-k router choices; null for dense models.</summary>
    public IReadOnlyList<double[]>? ExpertShare { get; init; }
    /// <summary>The objective's named values for the step (preference runs: <c>rewards/accuracies</c>, …), logged under their own names.</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }
    /// <summary>The same values on the held-out data, on evaluation steps only (logged with TRL's <c>eval_</c> prefix).</summary>
    public IReadOnlyDictionary<string, double>? HeldOutMetrics { get; init; }

    /// <summary>eval.tasks scores (<c>task/metric</c>, <c>avg</c>) on checkpoint steps of a run that evaluates inline.</summary>
    public IReadOnlyDictionary<string, double>? TaskScores { get; init; }
}
