using Tsumugi.Training.Config;

namespace Tsumugi.Training.Guard;

/// <summary>
/// Loss-spike detection (llm.c's outlier detector): a step is a spike when its loss or gradient norm lies more than
/// <c>loss_sigma</c> / <c>grad_sigma</c> standard deviations above the mean of the last <c>window</c> accepted steps,
/// or when either is not finite (always, even before <c>min_history</c> steps have been seen). Spikes are not added to
/// the window, so one bad batch does not raise the bar for the next. The window is part of the checkpoint.
/// </summary>
public sealed class SpikeGuard
{
    private readonly GuardSettings _settings;
    private readonly Queue<(double Loss, double GradNorm)> _window = new();

    public SpikeGuard(GuardSettings settings) => _settings = settings;

    /// <summary>Null when the step is normal, else why it is a spike.</summary>
    public string? Check(double loss, double gradNorm)
    {
        if (!double.IsFinite(loss)) return $"loss is {loss}";
        if (!double.IsFinite(gradNorm)) return $"gradient norm is {gradNorm}";
        if (!_settings.Enabled || _window.Count < _settings.MinHistory) return null;
        var (lossMean, lossStd) = Stats(_window.Select(w => w.Loss));
        var (gradMean, gradStd) = Stats(_window.Select(w => w.GradNorm));
        var lossZ = (loss - lossMean) / lossStd;
        var gradZ = (gradNorm - gradMean) / gradStd;
        if (lossZ > _settings.LossSigma) return $"loss {loss:0.####} is {lossZ:0.#}σ above the running mean {lossMean:0.####}";
        if (gradZ > _settings.GradSigma) return $"gradient norm {gradNorm:0.####} is {gradZ:0.#}σ above the running mean {gradMean:0.####}";
        return null;
    }

    /// <summary>Adds a normal step to the window.</summary>
    public void Accept(double loss, double gradNorm)
    {
        _window.Enqueue((loss, gradNorm));
        while (_window.Count > _settings.Window) _window.Dequeue();
    }

    public SpikeGuardState GetState() => new()
    {
        Losses = _window.Select(w => w.Loss).ToArray(),
        GradNorms = _window.Select(w => w.GradNorm).ToArray(),
    };

    public void Restore(SpikeGuardState state)
    {
        _window.Clear();
        for (var i = 0; i < state.Losses.Length; i++) _window.Enqueue((state.Losses[i], state.GradNorms[i]));
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
