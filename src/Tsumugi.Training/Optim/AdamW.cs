using Tsumugi.Modeling.Checkpoints;
using Tsumugi.Training.Config;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Training.Optim;

/// <summary>
/// AdamW with PyTorch's math (decoupled decay p ← p·(1 − lr·wd), bias-corrected moments, ε added outside the square
/// root), written out so its state is plain named tensors (saved as safetensors next to the HF model) and so a
/// data-parallel seam can hand it a shard of the parameters (ZeRO-1) without touching the loop.
/// Weight decay applies to matrices only: biases and norm gains (1-D) are excluded (nanoGPT, Megatron).
/// Parameters stored in bf16 get an fp32 master copy and an fp32 gradient accumulator: micro-batch gradients are added
/// in fp32 (<see cref="AccumulateGradients"/>), the update happens on the master, and the bf16 weights are its rounding.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly List<Slot> _slots;
    private readonly OptimizerSettings _settings;

    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, OptimizerSettings settings)
    {
        _settings = settings;
        using var noGrad = no_grad();
        _slots = parameters.Where(p => p.Parameter.requires_grad).Select(p => new Slot(p.Name, p.Parameter)).ToList();
    }

    /// <summary>Optimizer steps taken (the bias-correction t).</summary>
    public long StepCount { get; private set; }

    public IEnumerable<string> Names => _slots.Select(s => s.Name);

    /// <summary>Moves the micro-batch gradients of low-precision parameters into their fp32 accumulators (call after every backward).</summary>
    public void AccumulateGradients()
    {
        using var noGrad = no_grad();
        foreach (var s in _slots)
        {
            if (s.Master is null || s.Parameter.grad is not { } g) continue;
            s.MainGrad!.add_(g.to_type(ScalarType.Float32));
            g.zero_();
        }
    }

    /// <summary>The fp32 gradient the update will use.</summary>
    private Tensor? Gradient(Slot s) => s.Master is null ? s.Parameter.grad : s.MainGrad;

    /// <summary>Σ‖g‖² over this optimizer's gradients (fp32); the data-parallel layer sums it across ranks.</summary>
    public double GradientNormSquared()
    {
        using var scope = NewDisposeScope();
        var squares = _slots.Select(Gradient).Where(g => g is not null).Select(g => g!.to_type(ScalarType.Float32).pow(2).sum()).ToArray();
        return squares.Length == 0 ? 0 : stack(squares).sum().item<float>();
    }

    /// <summary>Multiplies every gradient by <paramref name="factor"/> (clipping).</summary>
    public void ScaleGradients(double factor)
    {
        using var noGrad = no_grad();
        foreach (var s in _slots) Gradient(s)?.mul_(factor);
    }

    public void ZeroGradients()
    {
        using var noGrad = no_grad();
        foreach (var s in _slots)
        {
            s.Parameter.grad?.zero_();
            s.MainGrad?.zero_();
        }
    }

    /// <summary>One AdamW update at learning rate <paramref name="lr"/>; gradients are zeroed afterwards.</summary>
    public void Step(double lr)
    {
        StepCount++;
        double b1 = _settings.Beta1, b2 = _settings.Beta2;
        double correction1 = 1 - Math.Pow(b1, StepCount);
        double sqrtCorrection2 = Math.Sqrt(1 - Math.Pow(b2, StepCount));
        using var noGrad = no_grad();
        foreach (var s in _slots)
        {
            if (Gradient(s) is not { } g) continue;
            using var scope = NewDisposeScope();
            var weights = s.Master ?? s.Parameter;
            if (s.Decay && _settings.WeightDecay > 0) weights.mul_(1 - lr * _settings.WeightDecay);
            s.ExpAvg.mul_(b1).add_(g, alpha: 1 - b1);
            s.ExpAvgSq.mul_(b2).addcmul_(g, g, value: 1 - b2);
            var denominator = s.ExpAvgSq.sqrt().div_(sqrtCorrection2).add_(_settings.Eps);
            weights.addcdiv_(s.ExpAvg, denominator, value: -lr / correction1);
            if (s.Master is not null) s.Parameter.copy_(s.Master);
        }
        ZeroGradients();
    }

    /// <summary>State as named tensors: <c>NAME.exp_avg</c>, <c>NAME.exp_avg_sq</c>, <c>NAME.master</c> (bf16 parameters).</summary>
    public void Save(string path)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var s in _slots)
        {
            tensors.Add(new(s.Name + ".exp_avg", s.ExpAvg));
            tensors.Add(new(s.Name + ".exp_avg_sq", s.ExpAvgSq));
            if (s.Master is not null) tensors.Add(new(s.Name + ".master", s.Master));
        }
        var metadata = new Dictionary<string, string>
        {
            ["optimizer"] = "adamw",
            ["step"] = StepCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    /// <summary>Restores a state saved by <see cref="Save"/> for the same parameters; refuses a mismatch by name.</summary>
    public void Load(string path)
    {
        using var file = SafetensorsFile.Open(path);
        var missing = _slots.SelectMany(s => s.Master is null ? new[] { s.Name + ".exp_avg", s.Name + ".exp_avg_sq" } : [s.Name + ".exp_avg", s.Name + ".exp_avg_sq", s.Name + ".master"])
            .Where(n => !file.Entries.ContainsKey(n)).ToList();
        if (missing.Count > 0) throw new CheckpointException($"{path}: optimizer state lacks {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? $" and {missing.Count - 5} more" : "")}; it was saved for another model");
        using var noGrad = no_grad();
        foreach (var s in _slots)
        {
            file.ReadInto(s.Name + ".exp_avg", s.ExpAvg);
            file.ReadInto(s.Name + ".exp_avg_sq", s.ExpAvgSq);
            if (s.Master is not null)
            {
                file.ReadInto(s.Name + ".master", s.Master);
                s.Parameter.copy_(s.Master);
            }
        }
        StepCount = long.Parse(file.Metadata.GetValueOrDefault("step") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        foreach (var s in _slots) s.Dispose();
    }

    private sealed class Slot : IDisposable
    {
        public Slot(string name, Parameter parameter)
        {
            Name = name;
            Parameter = parameter;
            Decay = parameter.dim() >= 2;
            var lowPrecision = parameter.dtype != ScalarType.Float32;
            Master = lowPrecision ? parameter.detach().to_type(ScalarType.Float32).clone() : null;
            MainGrad = lowPrecision ? zeros_like(Master!) : null;
            ExpAvg = zeros(parameter.shape, ScalarType.Float32, parameter.device);
            ExpAvgSq = zeros(parameter.shape, ScalarType.Float32, parameter.device);
            foreach (var t in new[] { Master, MainGrad, ExpAvg, ExpAvgSq }) t?.DetachFromDisposeScope();
        }

        public string Name { get; }
        public Parameter Parameter { get; }
        public bool Decay { get; }
        public Tensor? Master { get; }
        public Tensor? MainGrad { get; }
        public Tensor ExpAvg { get; }
        public Tensor ExpAvgSq { get; }

        public void Dispose()
        {
            Master?.Dispose();
            MainGrad?.Dispose();
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
        }
    }
}
