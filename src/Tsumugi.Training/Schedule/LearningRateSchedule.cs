using Tsumugi.Datasets.Curriculum;
using Tsumugi.Training.Config;

namespace Tsumugi.Training.Schedule;

/// <summary>
/// Learning rate as a pure function of the optimizer step (so resuming needs only the step). The run's shape —
/// linear warm-up, then cosine / linear to <c>min_lr</c>, constant, or WSD (warm-up, stable, linear decay over the
/// last <c>decay_fraction</c>; MiniCPM) — applies unless a curriculum stage asks for its own: a stage with a schedule
/// runs that shape over its own steps (from its <c>peak</c>, default lr, to its <c>min</c>, default min_lr), and a stage
/// with <c>warmup_tokens</c> ramps linearly from 0 over its first steps.
/// </summary>
public sealed class LearningRateSchedule
{
    private readonly OptimizerSettings _optimizer;
    private readonly ScheduleSettings _schedule;
    private readonly Span[] _stages;

    /// <summary>A stage's steps [Start, End) and its LR behaviour (null = the run's).</summary>
    public sealed record StageSpan(string Name, long Start, long End, StageLearningRate? LearningRate, long WarmupSteps);

    /// <summary>A stage with its schedule name parsed once (null <c>Own</c>: the run's schedule continues).</summary>
    private readonly record struct Span(long Start, long End, long WarmupSteps, ScheduleType? Own, double Peak, double Min, double DecayFraction);

    public LearningRateSchedule(OptimizerSettings optimizer, ScheduleSettings schedule, long totalSteps, IReadOnlyList<StageSpan>? stages = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        _optimizer = optimizer;
        _schedule = schedule;
        TotalSteps = totalSteps;
        _stages = (stages ?? []).Select(s => new Span(s.Start, s.End, s.LearningRate is null ? 0 : s.WarmupSteps, OwnSchedule(s.LearningRate),
            s.LearningRate?.Peak ?? optimizer.Lr, s.LearningRate?.Min ?? optimizer.MinLr, s.LearningRate?.DecayFraction ?? schedule.DecayFraction)).ToArray();
    }

    public long TotalSteps { get; }

    /// <summary>The learning rate for the update made at 0-based step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        var i = _stages.Length - 1;
        while (i >= 0 && step < _stages[i].Start) i--;
        if (i < 0) return Shape(_schedule.Type, step, TotalSteps, _schedule.WarmupSteps, _optimizer.Lr, _optimizer.MinLr, _schedule.DecayFraction);
        var stage = _stages[i];
        if (stage.Own is { } own) return Shape(own, step - stage.Start, stage.End - stage.Start, stage.WarmupSteps, stage.Peak, stage.Min, stage.DecayFraction);
        var lr = Shape(_schedule.Type, step, TotalSteps, _schedule.WarmupSteps, _optimizer.Lr, _optimizer.MinLr, _schedule.DecayFraction);
        return stage.WarmupSteps > 0 ? lr * Math.Min(1.0, (step - stage.Start + 1) / (double)stage.WarmupSteps) : lr;
    }

    /// <summary>One shape over <paramref name="length"/> steps; <paramref name="s"/> is the step within it.</summary>
    internal static double Shape(ScheduleType type, long s, long length, long warmup, double peak, double min, double decayFraction)
    {
        if (s < warmup) return peak * (s + 1) / warmup;
        var progress = Math.Clamp((s - warmup) / (double)Math.Max(1, length - warmup - 1), 0, 1);
        switch (type)
        {
            case ScheduleType.Constant:
                return peak;
            case ScheduleType.Linear:
                return peak + (min - peak) * progress;
            case ScheduleType.Wsd:
                var decaySteps = Math.Max(1, (long)Math.Round(decayFraction * length));
                var decayStart = length - decaySteps;
                if (s < decayStart) return peak;
                return peak + (min - peak) * Math.Min(1.0, (s - decayStart + 1) / (double)decaySteps);
            default:
                return min + (peak - min) * 0.5 * (1 + Math.Cos(Math.PI * progress));
        }
    }

    /// <summary>
    /// A stage's own shape, or null when it continues the run's (no lr block, or <c>schedule: continue</c>); the data
    /// layer has already refused names outside <see cref="StageLearningRate.Schedules"/>.
    /// </summary>
    private static ScheduleType? OwnSchedule(StageLearningRate? lr) =>
        lr is null || lr.Schedule == "continue" ? null : Enum.Parse<ScheduleType>(lr.Schedule, ignoreCase: true);
}
