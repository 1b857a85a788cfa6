using Tsumugi.Training.Config;

namespace Tsumugi.Training.Guard;

/// <summary>
/// Loss-spike detection (llm.c's outlier detector): a step is a spike when its loss or gradient norm lies more than
/// <c>loss_sigma</c> / <c>grad_sigma</c> standard deviations above the mean of the last <c>window</c> accepted steps,
/// or when either is not finite (always, even before <c>min_history</c> steps have been seen). Spikes are not added to
/// the window, so one bad batch does not raise the bar for the next. Consecutive spikes are counted (the loop
/// escalates past <c>max_skips</c>), and a curriculum stage switch clears the window and leaves the next
/// <c>stage_grace_steps</c> unjudged, since a new domain raises the loss by design. All of it is part of the checkpoint.
/// </summary>
public sealed class SpikeGuard
{
    private readonly GuardSettings _settings;
    private readonly Queue<(double Loss, double GradNorm)> _window = new();
    private int _consecutiveSkips;
    private int _graceLeft;
    private int _stage = -1;

    public SpikeGuard(GuardSettings settings) => _settings = settings;

    /// <summary>Null when the step is normal, else why it is a spike.</summary>
    public string? Check(double loss, double gradNorm)
    {
        if (!double.IsFinite(loss)) return $"loss is {loss}";
        if (!double.IsFinite(gradNorm)) return $"gradient norm is {gradNorm}";
        if (!_settings.Enabled || _graceLeft > 0 || _window.Count < _settings.MinHistory) return null;
        var (lossMean, lossStd) = Stats(_window.Select(w => w.Loss));
        var (gradMean, gradStd) = Stats(_window.Select(w => w.GradNorm));
        var lossZ = (loss - lossMean) / lossStd;
        var gradZ = (gradNorm - gradMean) / gradStd;
        if (lossZ > _settings.LossSigma) return $"loss {loss:0.####} is {lossZ:0.#}σ above the running mean {lossMean:0.####}";
        if (gradZ > _settings.GradSigma) return $"gradient norm {gradNorm:0.####} is {gradZ:0.#}σ above the running mean {gradMean:0.####}";
        return null;
    }

    /// <summary>Spikes in a row, the current one included once <see cref="RecordSkip"/> was called for it.</summary>
    public int ConsecutiveSkips => _consecutiveSkips;

    /// <summary>The step about to be judged comes from curriculum stage <paramref name="stage"/>.</summary>
    /// <returns>True when that is a switch that reset the statistics.</returns>
    public bool EnterStage(int stage)
    {
        var previous = _stage;
        _stage = stage;
        var grace = _settings.StageGraceSteps ?? _settings.MinHistory;
        if (previous < 0 || previous == stage || grace == 0) return false;
        _window.Clear();
        _graceLeft = grace;
        return true;
    }

    /// <summary>The step was a spike and its update dropped; returns the spikes in a row so far.</summary>
    public int RecordSkip() => ++_consecutiveSkips;

    /// <summary>Adds a normal step to the window.</summary>
    public void Accept(double loss, double gradNorm)
    {
        _consecutiveSkips = 0;
        if (_graceLeft > 0) _graceLeft--;
        _window.Enqueue((loss, gradNorm));
        while (_window.Count > _settings.Window) _window.Dequeue();
    }

    public SpikeGuardState GetState() => new()
    {
        Losses = _window.Select(w => w.Loss).ToArray(),
        GradNorms = _window.Select(w => w.GradNorm).ToArray(),
        ConsecutiveSkips = _consecutiveSkips,
        GraceLeft = _graceLeft,
        Stage = _stage,
    };

    public void Restore(SpikeGuardState state)
    {
        _window.Clear();
        for (var i = 0; i < state.Losses.Length; i++) _window.Enqueue((state.Losses[i], state.GradNorms[i]));
        _consecutiveSkips = state.ConsecutiveSkips;
        _graceLeft = state.GraceLeft;
        _stage = state.Stage;
    }

    // The deviation is floored at 1% of the mean: a perfectly flat window must not turn noise into "spikes".
    private static (double Mean, double Std) Stats(IEnumerable<double> values)
    {
        var list = values.ToList();
        var mean = list.Average();
        var variance = list.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, list.Count - 1);
        return (mean, Math.Max(Math.Sqrt(variance), 0.01 * Math.Abs(mean) + 1e-12));
    }
}
