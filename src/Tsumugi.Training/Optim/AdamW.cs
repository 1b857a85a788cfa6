using System.Globalization;
using System.Text.Json;
using Tsumugi.Modeling.Checkpoints;
using Tsumugi.Training.Config;
using Tsumugi.Training.Parallel;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Training.Optim;

/// <summary>
/// AdamW with PyTorch's math (decoupled decay p ← p·(1 − lr·wd), bias-corrected moments, ε added outside the square
/// root), written out so its state is plain named tensors (saved as safetensors next to the HF model) and so a
/// data-parallel layer can hand it a shard (ZeRO-1): the state covers only the <see cref="ParameterRange"/>s this
/// rank owns, while gradients are accumulated for every parameter (the reduction needs all of them).
/// Weight decay applies to matrices only: biases and norm gains (1-D) are excluded (nanoGPT, Megatron).
/// Parameters stored in bf16 get an fp32 master copy and an fp32 gradient accumulator: micro-batch gradients are added
/// in fp32 (<see cref="AccumulateGradients"/>), the update happens on the master, and the bf16 weights are its rounding.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Tensor?[] _mainGrads; // fp32 accumulators of low-precision parameters
    private readonly List<Slot> _slots;
    private readonly OptimizerSettings _settings;

    /// <param name="shard">The ranges this optimizer updates; null = every parameter whole.</param>
    public AdamW(IReadOnlyList<(string Name, Parameter Parameter)> parameters, OptimizerSettings settings, IReadOnlyList<ParameterRange>? shard = null)
    {
        _settings = settings;
        _parameters = parameters;
        using var noGrad = no_grad();
        _mainGrads = parameters.Select(p => p.Parameter.requires_grad && p.Parameter.dtype != ScalarType.Float32
            ? zeros(p.Parameter.shape, ScalarType.Float32, p.Parameter.device).DetachFromDisposeScope() : null).ToArray();
        shard ??= ParameterRange.Whole(parameters.Select(p => p.Parameter.numel()).ToList());
        _slots = shard.Where(r => parameters[r.Index].Parameter.requires_grad)
            .Select(r => new Slot(parameters[r.Index].Name, parameters[r.Index].Parameter, r)).ToList();
    }

    /// <summary>Optimizer steps taken (the bias-correction t).</summary>
    public long StepCount { get; private set; }

    public IEnumerable<string> Names => _slots.Select(s => s.Name).Distinct();

    /// <summary>Moves the micro-batch gradients of low-precision parameters into their fp32 accumulators (call after every backward).</summary>
    public void AccumulateGradients()
    {
        using var noGrad = no_grad();
        for (var i = 0; i < _parameters.Count; i++)
        {
            if (_mainGrads[i] is not { } main || _parameters[i].Parameter.grad is not { } g) continue;
            main.add_(g.to_type(ScalarType.Float32));
            g.zero_();
        }
    }

    /// <summary>
    /// Every parameter's whole fp32 gradient, in the constructor's order (what the data-parallel layer reduces in
    /// place); a parameter no backward reached gets a zero gradient, so all ranks reduce the same buffers.
    /// </summary>
    public IReadOnlyList<Tensor> Gradients()
    {
        var result = new Tensor[_parameters.Count];
        for (var i = 0; i < _parameters.Count; i++)
        {
            var p = _parameters[i].Parameter;
            if (_mainGrads[i] is { } main) result[i] = main;
            else
            {
                if (p.grad is null) p.grad = zeros_like(p).DetachFromDisposeScope();
                result[i] = p.grad!;
            }
        }
        return result;
    }

    /// <summary>The fp32 gradient a slot's update uses: its range of the whole gradient.</summary>
    private Tensor? Gradient(Slot s)
    {
        var whole = _mainGrads[s.Range.Index] ?? s.Parameter.grad;
        return whole is null ? null : s.View(whole);
    }

    /// <summary>Σ‖g‖² over this optimizer's ranges (fp32); the data-parallel layer adds the other ranks' shards.</summary>
    public double GradientNormSquared()
    {
        using var scope = NewDisposeScope();
        var squares = _slots.Select(Gradient).Where(g => g is not null).Select(g => g!.to_type(ScalarType.Float32).pow(2).sum()).ToArray();
        return squares.Length == 0 ? 0 : stack(squares).sum().item<float>();
    }

    /// <summary>Multiplies every gradient this optimizer uses by <paramref name="factor"/> (clipping).</summary>
    public void ScaleGradients(double factor)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var s in _slots) Gradient(s)?.mul_(factor);
    }

    public void ZeroGradients()
    {
        using var noGrad = no_grad();
        for (var i = 0; i < _parameters.Count; i++)
        {
            _parameters[i].Parameter.grad?.zero_();
            _mainGrads[i]?.zero_();
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
            using var scope = NewDisposeScope();
            if (Gradient(s) is not { } g) continue;
            var weights = s.Master ?? s.View(s.Parameter);
            if (s.Decay && _settings.WeightDecay > 0) weights.mul_(1 - lr * _settings.WeightDecay);
            s.ExpAvg.mul_(b1).add_(g, alpha: 1 - b1);
            s.ExpAvgSq.mul_(b2).addcmul_(g, g, value: 1 - b2);
            var denominator = s.ExpAvgSq.sqrt().div_(sqrtCorrection2).add_(_settings.Eps);
            weights.addcdiv_(s.ExpAvg, denominator, value: -lr / correction1);
            if (s.Master is not null) s.View(s.Parameter).copy_(s.Master);
        }
        ZeroGradients();
    }

    /// <summary>
    /// State as named tensors: <c>NAME.exp_avg</c>, <c>NAME.exp_avg_sq</c>, <c>NAME.master</c> (bf16 parameters) for a
    /// whole parameter; a range of one is suffixed <c>@OFFSET</c> and listed in the <c>ranges</c> metadata, so a set of
    /// shard files loads into any other sharding (<see cref="Load(IReadOnlyList{string})"/>).
    /// </summary>
    public void Save(string path)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        var ranges = new Dictionary<string, long[]>();
        foreach (var s in _slots)
        {
            var suffix = s.IsWhole ? "" : "@" + s.Range.Offset.ToString(CultureInfo.InvariantCulture);
            if (!s.IsWhole) ranges[s.Name + suffix] = [s.Range.Offset, s.Range.Length];
            tensors.Add(new(s.Name + suffix + ".exp_avg", s.ExpAvg));
            tensors.Add(new(s.Name + suffix + ".exp_avg_sq", s.ExpAvgSq));
            if (s.Master is not null) tensors.Add(new(s.Name + suffix + ".master", s.Master));
        }
        var metadata = new Dictionary<string, string>
        {
            ["optimizer"] = "adamw",
            ["step"] = StepCount.ToString(CultureInfo.InvariantCulture),
        };
        if (ranges.Count > 0) metadata["ranges"] = JsonSerializer.Serialize(ranges);
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    public void Load(string path) => Load([path]);

    /// <summary>
    /// Restores state saved by <see cref="Save"/> — one file, or the shard files of all ranks of a sharded run, whatever
    /// the sharding then and now: each of this optimizer's ranges is assembled from the saved pieces that overlap it.
    /// Refuses state for other parameters, and a set of files that leaves part of a range uncovered.
    /// </summary>
    public void Load(IReadOnlyList<string> paths)
    {
        var files = paths.Select(SafetensorsFile.Open).ToList();
        try
        {
            var pieces = files.SelectMany(f => Pieces(f)).ToLookup(p => p.Name);
            var steps = files.Select(f => f.Metadata.GetValueOrDefault("step") ?? "0").Distinct().ToList();
            if (steps.Count != 1) throw new CheckpointException($"{string.Join(", ", paths)}: optimizer shards were saved at different steps ({string.Join(", ", steps)}); the checkpoint is inconsistent");
            using var noGrad = no_grad();
            foreach (var s in _slots)
            {
                var parts = new List<(string Suffix, Tensor Target)> { (".exp_avg", s.ExpAvg), (".exp_avg_sq", s.ExpAvgSq) };
                if (s.Master is not null) parts.Add((".master", s.Master));
                foreach (var (suffix, target) in parts)
                {
                    long covered = 0;
                    foreach (var piece in pieces[s.Name])
                    {
                        long from = Math.Max(piece.Offset, s.Range.Offset), to = Math.Min(piece.Offset + piece.Length, s.Range.End);
                        if (from >= to) continue;
                        if (!piece.File.Entries.ContainsKey(piece.Key + suffix)) break; // reported as uncovered below
                        using var stored = piece.File.Read(piece.Key + suffix, ScalarType.Float32);
                        target.view(-1).narrow(0, from - s.Range.Offset, to - from).copy_(stored.view(-1).narrow(0, from - piece.Offset, to - from));
                        covered += to - from;
                    }
                    if (covered != s.Range.Length)
                        throw new CheckpointException($"{string.Join(", ", paths)}: optimizer state lacks {s.Name}{suffix} (elements {s.Range.Offset}…{s.Range.End}); it was saved for another model, or a rank's shard is missing");
                }
                if (s.Master is not null) s.View(s.Parameter).copy_(s.Master);
            }
            StepCount = long.Parse(steps[0], CultureInfo.InvariantCulture);
        }
        finally
        {
            foreach (var f in files) f.Dispose();
        }
    }

    /// <summary>The (parameter name, offset, length) pieces a saved file holds.</summary>
    private static IEnumerable<(string Name, string Key, long Offset, long Length, SafetensorsFile File)> Pieces(SafetensorsFile file)
    {
        var ranges = file.Metadata.TryGetValue("ranges", out var json) ? JsonSerializer.Deserialize<Dictionary<string, long[]>>(json)! : [];
        foreach (var (name, entry) in file.Entries)
        {
            if (!name.EndsWith(".exp_avg", StringComparison.Ordinal)) continue;
            var key = name[..^".exp_avg".Length];
            if (ranges.TryGetValue(key, out var r)) yield return (key[..key.LastIndexOf('@')], key, r[0], r[1], file);
            else yield return (key, key, 0, entry.Shape.Aggregate(1L, (a, b) => a * b), file);
        }
    }

    public void Dispose()
    {
        foreach (var s in _slots) s.Dispose();
        foreach (var g in _mainGrads) g?.Dispose();
    }

    private sealed class Slot : IDisposable
    {
        public Slot(string name, Parameter parameter, ParameterRange range)
        {
            Name = name;
            Parameter = parameter;
            Range = range;
            IsWhole = range.Offset == 0 && range.Length == parameter.numel();
            Decay = parameter.dim() >= 2;
            // A whole parameter's state keeps its shape (the single-process file format); a range is flat.
            long[] shape = IsWhole ? parameter.shape : [range.Length];
            Master = parameter.dtype != ScalarType.Float32 ? View(parameter).detach().to_type(ScalarType.Float32).reshape(shape).clone() : null;
            ExpAvg = zeros(shape, ScalarType.Float32, parameter.device);
            ExpAvgSq = zeros(shape, ScalarType.Float32, parameter.device);
            foreach (var t in new[] { Master, ExpAvg, ExpAvgSq }) t?.DetachFromDisposeScope();
        }

        public string Name { get; }
        public Parameter Parameter { get; }
        public ParameterRange Range { get; }
        public bool IsWhole { get; }
        public bool Decay { get; }
        public Tensor? Master { get; }
        public Tensor ExpAvg { get; }
        public Tensor ExpAvgSq { get; }

        /// <summary>This slot's elements of a tensor shaped like the parameter (the parameter itself, or a gradient).</summary>
        public Tensor View(Tensor whole) => IsWhole ? whole : whole.view(-1).narrow(0, Range.Offset, Range.Length);

        public void Dispose()
        {
            Master?.Dispose();
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
        }
    }
}
