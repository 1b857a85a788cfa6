using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Checkpoints;
using Tsumugi.Training.Checkpointing;
using Tsumugi.Training.Config;
using Tsumugi.Training.Guard;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Metrics;
using Tsumugi.Training.Optim;
using Tsumugi.Training.Parallel;
using Parameter = TorchSharp.Modules.Parameter;
using AdamW = Tsumugi.Training.Optim.AdamW;
using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Training;

/// <summary>
/// The pretraining loop. <see cref="Open"/> is the preflight (plan, disk, data, model, resume state) and never
/// touches the run's weights on disk; <see cref="Run"/> repeats one structure until the plan's last step:
/// batch → forward → loss → backward → (reduce) → guard → clip → AdamW step → log → evaluate → checkpoint.
/// A run directory holds config.yaml, plan.txt, metrics.jsonl, events.jsonl, tensorboard/, checkpoints/step-N/ and
/// finally model/ (an HF directory) and loss.png.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly TrainConfig _config;
    private readonly string _runDirectory;
    private readonly RunPlan _plan;
    private readonly LlamaForCausalLM _model;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly AdamW _optimizer;
    private readonly SpikeGuard _guard;
    private readonly CheckpointStore _checkpoints;
    private readonly IDataParallel _parallel;
    private readonly Device _device;
    private readonly TextWriter _log;
    private readonly JsonLinesLog _metrics;
    private readonly JsonLinesLog _events;
    private readonly TensorBoardWriter? _tensorBoard;
    private readonly HeldOutEvaluator _heldOut;
    private readonly string _fingerprint;
    private readonly double _peakFlops;
    private readonly double _flopsPerToken;
    private readonly List<string> _problems = new();
    private SamplerState _samplerState;
    private long _tokens;
    private long _skippedSteps;
    private int _rollbacks;
    private double _elapsed;
    private double? _lastLoss;
    private IReadOnlyDictionary<string, double> _lastHeldOut = new Dictionary<string, double>();

    private Trainer(TrainConfig config, string runDirectory, RunPlan plan, LlamaForCausalLM model, AdamW optimizer, CheckpointStore checkpoints,
        IDataParallel parallel, Device device, TextWriter log, long? truncateMetricsTo, double peakFlops)
    {
        _config = config;
        _runDirectory = runDirectory;
        _plan = plan;
        _model = model;
        _parameters = model.parameters().ToList();
        _optimizer = optimizer;
        _checkpoints = checkpoints;
        _parallel = parallel;
        _device = device;
        _log = log;
        _guard = new SpikeGuard(config.Guard);
        _metrics = new JsonLinesLog(Path.Combine(runDirectory, "metrics.jsonl"), truncateMetricsTo ?? 0);
        _events = new JsonLinesLog(Path.Combine(runDirectory, "events.jsonl"));
        _tensorBoard = config.Log.TensorBoard && parallel.Rank == 0 ? new TensorBoardWriter(Path.Combine(runDirectory, "tensorboard")) : null;
        _heldOut = new HeldOutEvaluator(plan.Data, config.Eval.MaxRows, config.Train.MicroBatchSize);
        _samplerState = plan.Data.CreateSampler().GetState();
        _fingerprint = Fingerprint(config, _samplerState.Fingerprint);
        _peakFlops = peakFlops;
        _flopsPerToken = plan.Accounting.TrainingFlopsPerToken(plan.Model, plan.SeqLength);
    }

    public RunPlan Plan => _plan;
    public LlamaForCausalLM Model => _model;

    /// <summary>Optimizer steps completed (including skipped ones).</summary>
    public long Step { get; private set; }

    /// <summary>Called after every step (progress display).</summary>
    public event Action<StepReport>? StepCompleted;

    /// <summary>
    /// Checks the plan and builds (or, with <paramref name="resume"/>, restores) everything a run needs. Every config or
    /// data problem is a <see cref="TrainConfigException"/> here, before any training step.
    /// </summary>
    public static Trainer Open(TrainConfig config, string runDirectory, bool resume, TextWriter log, IDataParallel? parallel = null)
    {
        parallel ??= SingleProcess.Instance;
        runDirectory = Path.GetFullPath(runDirectory);
        var checkpoints = new CheckpointStore(Path.Combine(runDirectory, "checkpoints"), config.Checkpoint.KeepLast, config.Checkpoint.KeepEvery);
        var latest = checkpoints.Latest();
        if (!resume && latest is not null)
            throw new TrainConfigException($"{runDirectory} already holds checkpoints (newest {CheckpointStore.NameOf(latest.Value.Step)}); pass --resume to continue that run, or choose a new --output");
        if (!resume && File.Exists(Path.Combine(runDirectory, "metrics.jsonl")))
            throw new TrainConfigException($"{runDirectory} already holds a run (metrics.jsonl); choose a new --output, or pass --resume to continue it");
        if (config.Train.Threads > 0) set_num_threads(config.Train.Threads);
        var device = ResolveDevice(config.Train.Device);
        var bf16 = (config.Model.Dtype ?? (device.type == DeviceType.CUDA ? "bfloat16" : "float32")) == "bfloat16";
        var modelConfig = ModelFactory.Config(config.Model);
        var plan = RunPlan.Create(config, modelConfig, parallel.WorldSize, bf16, runDirectory);
        LlamaForCausalLM? model = null;
        AdamW? optimizer = null;
        try
        {
            checkpoints.CleanPartials();
            model = latest is { } l ? HfModelDirectory.Load(Path.Combine(l.Path, "model"), ScalarType.Float32) : ModelFactory.Build(config.Model, modelConfig, config.Seed, log);
            if (bf16) model.to(ScalarType.BFloat16);
            model.to(device);
            model.train();
            var named = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
            optimizer = new AdamW(parallel.OptimizerShard(named), config.Optimizer);
            var peak = config.Log.PeakFlops > 0 ? config.Log.PeakFlops : PeakFlops.Measure(device, bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
            TrainerState? state = null;
            if (latest is { } ckpt)
            {
                state = TrainerState.Load(Path.Combine(ckpt.Path, CheckpointStore.StateFile));
                optimizer.Load(Path.Combine(ckpt.Path, "optimizer.safetensors"));
            }
            Directory.CreateDirectory(runDirectory);
            var trainer = new Trainer(config, runDirectory, plan, model, optimizer, checkpoints, parallel, device, log, state?.MetricsBytes, peak);
            if (state is not null) trainer.Restore(state, latest!.Value.Path);
            else trainer._events.Append(Event("start", 0, $"{plan.Steps} steps planned"));
            File.WriteAllText(Path.Combine(runDirectory, "config.yaml"), config.EffectiveYaml);
            trainer.MeasureWarmup();
            File.WriteAllText(Path.Combine(runDirectory, "plan.txt"), plan.ToText(DeviceName(device), bf16 ? "bfloat16" : "float32"));
            return trainer;
        }
        catch
        {
            optimizer?.Dispose();
            model?.Dispose();
            plan.Dispose();
            throw;
        }
    }

    public string DescribePlan() => _plan.ToText(DeviceName(_device), _plan.MasterWeights ? "bfloat16" : "float32");

    /// <summary>Trains to the end of the plan, or until <paramref name="stop"/> fires (then saves a checkpoint).</summary>
    public TrainingOutcome Run(CancellationToken stop = default)
    {
        var prefetcher = NewPrefetcher();
        try
        {
            while (Step < _plan.Steps)
            {
                if (stop.IsCancellationRequested) return Stop(stop);
                var clock = Stopwatch.StartNew();
                using var batch = prefetcher.Next();
                var result = TrainStep(batch);
                if (result.Spike is { } reason && _config.Guard.Action == "rollback" && Rollback(reason, batch))
                {
                    prefetcher.Dispose();
                    prefetcher = NewPrefetcher();
                    continue;
                }
                Step++;
                _tokens += _plan.GlobalBatchTokens;
                _samplerState = batch.SamplerAfter;
                if (result.Spike is null) _lastLoss = result.Loss;
                var seconds = clock.Elapsed.TotalSeconds; // the step alone: evaluation time is not training throughput
                var evaluate = Step == _plan.Steps || (_config.Eval.Interval > 0 && Step % _config.Eval.Interval == 0);
                if (evaluate && !_heldOut.IsEmpty) _lastHeldOut = _heldOut.Evaluate(_model, _device);
                _elapsed += clock.Elapsed.TotalSeconds;
                Log(result, batch, seconds, evaluate ? _lastHeldOut : null);
                if (_config.Checkpoint.Interval > 0 && Step % _config.Checkpoint.Interval == 0 && Step < _plan.Steps) TrySaveCheckpoint();
            }
        }
        finally
        {
            prefetcher.Dispose();
        }
        return Finish();
    }

    private sealed record StepResult(double Loss, double? ZLoss, double GradNorm, double LearningRate, string? Spike, IReadOnlyDictionary<string, double> DomainLoss);

    private StepResult TrainStep(StepBatch batch)
    {
        double loss = 0, zLoss = 0;
        var domainSums = new Dictionary<string, (double Loss, long Tokens)>();
        for (var m = 0; m < batch.Inputs.Count; m++)
        {
            using var scope = NewDisposeScope();
            var ids = batch.Inputs[m].to(_device);
            var labels = batch.Labels[m].to(_device);
            var documents = batch.DocumentIds?[m].to(_device);
            var output = _model.TrainingLoss(ids, labels, documents, _config.Train.ZLoss, batch.ScoredTokens, rowSums: true);
            output.Loss.backward();
            _optimizer.AccumulateGradients();
            loss += output.CrossEntropy.item<float>();
            if (output.ZLoss is { } z) zLoss += z.item<float>();
            AddDomainLoss(domainSums, batch.Batches[m], output.RowCrossEntropy!);
        }
        loss = _parallel.SumAcrossRanks(loss) / _parallel.WorldSize;
        _parallel.ReduceGradients(_parameters);
        var gradNorm = Math.Sqrt(_parallel.SumAcrossRanks(_optimizer.GradientNormSquared()));
        var lr = _plan.Schedule.At(Step);
        var spike = _guard.Check(loss, gradNorm);
        if (spike is not null)
        {
            _optimizer.ZeroGradients();
            _skippedSteps++;
            _events.Append(Event("spike", Step + 1, spike, new JsonObject { ["action"] = _config.Guard.Action, ["loss"] = loss, ["grad_norm"] = gradNorm }));
            _log.WriteLine($"step {Step + 1}: loss spike — {spike}; {(_config.Guard.Action == "skip" ? "update skipped" : "rolling back")}");
        }
        else
        {
            if (_config.Train.GradClip > 0 && gradNorm > _config.Train.GradClip) _optimizer.ScaleGradients(_config.Train.GradClip / (gradNorm + 1e-6));
            _optimizer.Step(lr);
            _parallel.AfterOptimizerStep(_parameters);
            _guard.Accept(loss, gradNorm);
        }
        var domainLoss = domainSums.ToDictionary(kv => kv.Key, kv => kv.Value.Loss / Math.Max(1, kv.Value.Tokens));
        return new StepResult(loss, _config.Train.ZLoss > 0 ? zLoss : null, gradNorm, lr, spike, domainLoss);
    }

    private void AddDomainLoss(Dictionary<string, (double Loss, long Tokens)> sums, TrainingBatch batch, Tensor rowLoss)
    {
        var perRow = rowLoss.to(CPU).data<float>().ToArray();
        for (var r = 0; r < batch.BatchSize; r++)
        {
            var domain = _plan.Data.Datasets[batch.DatasetIndices[r]].Domain;
            long scored = 0;
            for (var i = r * batch.RowLength + 1; i < (r + 1) * batch.RowLength; i++)
                if (batch.Labels[i] != SamplerOptions.IgnoreLabel) scored++;
            var (l, n) = sums.GetValueOrDefault(domain);
            sums[domain] = (l + perRow[r], n + scored);
        }
    }

    /// <summary>PaLM's remedy: reload the newest checkpoint and move the data past the window that led to the spike.</summary>
    private bool Rollback(string reason, StepBatch spikeBatch)
    {
        if (_checkpoints.Latest() is not { } latest)
        {
            _events.Append(Event("rollback_unavailable", Step + 1, "no checkpoint to roll back to yet; the update was skipped instead"));
            return false;
        }
        if (++_rollbacks > _config.Guard.MaxRollbacks)
            throw new TrainingDivergedException($"step {Step + 1}: {reason}; this is rollback {_rollbacks}, above guard.max_rollbacks {_config.Guard.MaxRollbacks}. The run keeps diverging: lower the learning rate or inspect the data around sampler position {spikeBatch.SamplerAfter.Position}");
        var state = TrainerState.Load(Path.Combine(latest.Path, CheckpointStore.StateFile));
        StateDictIO.Load(_model, Path.Combine(latest.Path, "model"));
        _optimizer.Load(Path.Combine(latest.Path, "optimizer.safetensors"));
        var sampler = _plan.Data.CreateSampler();
        sampler.Restore(state.Sampler);
        var skipRows = Math.Max(_config.Guard.SkipSteps * _plan.RowsPerStep, spikeBatch.SamplerAfter.Position - state.Sampler.Position);
        sampler.Skip(skipRows);
        var rollbacks = _rollbacks;
        var skipped = _skippedSteps;
        RestoreCounters(state);
        _rollbacks = rollbacks;
        _skippedSteps = skipped;
        _samplerState = sampler.GetState();
        _events.Append(Event("rollback", state.Step, $"{reason}; reloaded {CheckpointStore.NameOf(state.Step)} and skipped {skipRows:N0} rows of data",
            new JsonObject { ["spike_step"] = Step + 1, ["skipped_rows"] = skipRows, ["sampler_position"] = _samplerState.Position }));
        _log.WriteLine($"rolled back to {CheckpointStore.NameOf(state.Step)}; skipping {skipRows:N0} rows of data");
        return true;
    }

    private void Restore(TrainerState state, string checkpointPath)
    {
        if (state.ConfigFingerprint != _fingerprint)
            throw new TrainConfigException($"{checkpointPath}: the config changed since this checkpoint (model, data, train, optimizer, schedule or guard settings); resume with {Path.Combine(_runDirectory, "config.yaml")} or start a new run from the checkpoint's model with model.from");
        RestoreCounters(state);
        _samplerState = state.Sampler;
        _events.Append(Event("resume", Step, $"resumed from {CheckpointStore.NameOf(Step)}"));
        _log.WriteLine($"resuming from {CheckpointStore.NameOf(Step)} ({checkpointPath})");
    }

    private void RestoreCounters(TrainerState state)
    {
        Step = state.Step;
        _tokens = state.Tokens;
        _skippedSteps = state.SkippedSteps;
        _rollbacks = state.Rollbacks;
        _elapsed = state.ElapsedSeconds;
        _lastLoss = state.LastLoss;
        _guard.Restore(state.Guard);
        if (state.TorchRng is { } rng)
        {
            using var restored = tensor(Convert.FromBase64String(rng));
            random.set_rng_state(restored);
        }
    }

    private BatchPrefetcher NewPrefetcher()
    {
        var sampler = _plan.Data.CreateSampler();
        sampler.Restore(_samplerState);
        return new BatchPrefetcher(sampler, _plan.MicroBatchSize, _plan.AccumulationSteps, _parallel.Rank, _parallel.WorldSize,
            _plan.Model.VocabSize, _config.Train.AttentionReset);
    }

    /// <summary>Times forward + backward on the first micro-batch (leaving no trace) for the plan's ETA.</summary>
    private void MeasureWarmup()
    {
        var sampler = _plan.Data.CreateSampler();
        var batch = sampler.NextBatch(_plan.MicroBatchSize);
        using var ids = tensor(batch.Tokens.Select(t => (long)t).ToArray(), [batch.BatchSize, batch.RowLength]);
        using var onDevice = ids.to(_device);
        var seconds = double.PositiveInfinity;
        for (var i = 0; i < 3; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            _model.TrainingLoss(onDevice, onDevice).Loss.backward();
            PeakFlops.Synchronize(_device);
            seconds = Math.Min(seconds, clock.Elapsed.TotalSeconds); // the first passes pay for allocation and thread start-up
        }
        _optimizer.ZeroGradients();
        _plan.SecondsPerStep = seconds * _plan.AccumulationSteps;
    }

    private void Log(StepResult r, StepBatch batch, double seconds, IReadOnlyDictionary<string, double>? heldOut)
    {
        var tokensPerSecond = _plan.GlobalBatchTokens / seconds;
        var mfu = tokensPerSecond * _flopsPerToken / _peakFlops / _parallel.WorldSize;
        var stage = _plan.Data.Stages[batch.StageIndex].Name;
        var memoryMb = Environment.WorkingSet / 1048576.0;
        var line = new JsonObject
        {
            ["step"] = Step,
            ["loss"] = r.Loss,
            ["lr"] = r.LearningRate,
            ["tokens"] = _tokens,
            ["grad_norm"] = r.GradNorm,
            ["tokens_per_s"] = Math.Round(tokensPerSecond, 1),
            ["mfu"] = Math.Round(mfu, 4),
            ["memory_mb"] = Math.Round(memoryMb, 1),
            ["stage"] = stage,
            ["time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
        };
        if (r.ZLoss is { } z) line["z_loss"] = z;
        if (r.Spike is not null) line["skipped"] = true;
        if (r.DomainLoss.Count > 1) line["domain_loss"] = ToJson(r.DomainLoss);
        if (heldOut is { Count: > 0 }) line["val_loss"] = ToJson(heldOut);
        if (_parallel.Rank != 0) return;
        _metrics.Append(line);
        if (_tensorBoard is { } tb)
        {
            tb.AddScalar("train/loss", r.Loss, Step);
            tb.AddScalar("train/lr", r.LearningRate, Step);
            tb.AddScalar("train/grad_norm", r.GradNorm, Step);
            if (r.ZLoss is { } zl) tb.AddScalar("train/z_loss", zl, Step);
            foreach (var (domain, value) in r.DomainLoss) tb.AddScalar($"train/loss/{domain}", value, Step);
            tb.AddScalar($"train/loss_by_stage/{stage}", r.Loss, Step);
            tb.AddScalar("perf/tokens_per_s", tokensPerSecond, Step);
            tb.AddScalar("perf/mfu", mfu, Step);
            tb.AddScalar("perf/memory_mb", memoryMb, Step);
            foreach (var (domain, value) in heldOut ?? new Dictionary<string, double>())
            {
                tb.AddScalar($"val/loss/{domain}", value, Step);
                tb.AddScalar($"val/ppl/{domain}", Math.Exp(value), Step);
            }
            tb.Flush();
        }
        var remaining = (_plan.Steps - Step) * (_elapsed / Math.Max(1, Step));
        StepCompleted?.Invoke(new StepReport(Step, _plan.Steps, r.Loss, r.LearningRate, r.GradNorm, tokensPerSecond, mfu, stage, r.Spike is not null, remaining));
    }

    private static JsonObject ToJson(IReadOnlyDictionary<string, double> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) o[k] = v;
        return o;
    }

    /// <summary>Saves a checkpoint; a failure (disk full) is reported and the run goes on with the earlier ones intact.</summary>
    private bool TrySaveCheckpoint()
    {
        if (_parallel.Rank != 0) return true;
        try
        {
            var path = _checkpoints.Save(Step, WriteCheckpoint);
            _events.Append(Event("checkpoint", Step, path));
            return true;
        }
        catch (CheckpointWriteException e)
        {
            _problems.Add(e.Message);
            _events.Append(Event("checkpoint_failed", Step, e.Message));
            _log.WriteLine($"warning: {e.Message}");
            return false;
        }
    }

    private void WriteCheckpoint(string directory)
    {
        HfModelDirectory.Save(_model, Path.Combine(directory, "model"), _config.Model.Tokenizer ?? TokenizerOf(_config.Model.From));
        _optimizer.Save(Path.Combine(directory, "optimizer.safetensors"));
        File.WriteAllText(Path.Combine(directory, "config.yaml"), _config.EffectiveYaml);
        File.Copy(_metrics.Path, Path.Combine(directory, "metrics.jsonl"));
        var state = new TrainerState
        {
            Step = Step,
            Tokens = _tokens,
            SkippedSteps = _skippedSteps,
            Rollbacks = _rollbacks,
            ElapsedSeconds = _elapsed,
            LastLoss = _lastLoss,
            MetricsBytes = _metrics.Length,
            ConfigFingerprint = _fingerprint,
            Sampler = _samplerState,
            Guard = _guard.GetState(),
            TorchRng = Convert.ToBase64String(RngState()),
        };
        File.WriteAllText(Path.Combine(directory, CheckpointStore.StateFile), state.ToJson());
    }

    private static byte[] RngState()
    {
        using var state = random.get_rng_state();
        return state.data<byte>().ToArray();
    }

    private static string? TokenizerOf(string? modelDirectory) =>
        modelDirectory is not null && File.Exists(Path.Combine(modelDirectory, "tokenizer.model")) ? modelDirectory : null;

    private TrainingOutcome Stop(CancellationToken stop)
    {
        var saved = TrySaveCheckpoint();
        _events.Append(Event("stopped", Step, saved ? "checkpoint saved; continue with --resume" : "checkpoint could not be saved"));
        return new TrainingOutcome(Step, false, "signal", _lastLoss, _lastHeldOut, null, _problems);
    }

    private TrainingOutcome Finish()
    {
        string? modelDirectory = null;
        if (_parallel.Rank == 0)
        {
            var saved = _checkpoints.List().Any(c => c.Step == Step) || TrySaveCheckpoint();
            modelDirectory = Path.Combine(_runDirectory, "model");
            try
            {
                HfModelDirectory.Save(_model, modelDirectory, _config.Model.Tokenizer ?? TokenizerOf(_config.Model.From));
            }
            catch (IOException e)
            {
                _problems.Add($"{modelDirectory}: the final model could not be written ({e.Message}); {(saved ? $"checkpoint {CheckpointStore.NameOf(Step)} holds it" : "the newest checkpoint is the latest saved state")}");
                modelDirectory = null;
            }
            _tensorBoard?.Flush();
            SavePlot();
            _events.Append(Event("finished", Step, modelDirectory ?? "final model not written"));
        }
        return new TrainingOutcome(Step, true, null, _lastLoss, _lastHeldOut, modelDirectory, _problems);
    }

    private void SavePlot()
    {
        try
        {
            var lines = JsonLinesLog.Read(_metrics.Path);
            var train = lines.Where(l => l["skipped"] is null).Select(l => ((long)l["step"]!, (double)l["loss"]!)).ToList();
            var validation = new Dictionary<string, IReadOnlyList<(long, double)>>();
            foreach (var l in lines)
            {
                if (l["val_loss"] is not JsonObject v) continue;
                foreach (var (domain, value) in v)
                {
                    if (!validation.TryGetValue(domain, out var list)) validation[domain] = list = new List<(long, double)>();
                    ((List<(long, double)>)list).Add(((long)l["step"]!, (double)value!));
                }
            }
            LossPlot.Save(Path.Combine(_runDirectory, "loss.png"), train, validation, "training loss");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TypeInitializationException or DllNotFoundException)
        {
            _problems.Add($"loss.png could not be drawn: {e.Message}");
        }
    }

    private static JsonObject Event(string kind, long step, string message, JsonObject? extra = null)
    {
        var o = new JsonObject { ["event"] = kind, ["step"] = step, ["message"] = message, ["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) };
        foreach (var (k, v) in extra ?? new JsonObject()) o[k] = v?.DeepClone();
        return o;
    }

    /// <summary>Hash of everything that shapes the loss curve; device, threads, logging and checkpoint cadence may change on resume.</summary>
    private static string Fingerprint(TrainConfig c, string dataFingerprint)
    {
        var text = string.Join("|", c.Seed, c.Model, c.Train with { Device = "", Threads = 0 }, c.Optimizer, c.Schedule, c.Guard, dataFingerprint);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    private static Device ResolveDevice(string setting) => setting switch
    {
        "cpu" => CPU,
        "cuda" when !cuda.is_available() => throw new TrainConfigException("train.device is cuda but no CUDA device is available (TorchSharp-cpu build, or no GPU); build with -p:TorchBackend=cuda or use train.device: cpu"),
        "cuda" => CUDA,
        _ => cuda.is_available() ? CUDA : CPU,
    };

    private static string DeviceName(Device d) => d.type == DeviceType.CUDA ? $"cuda:{d.index}" : $"cpu ({get_num_threads()} threads)";

    public void Dispose()
    {
        _tensorBoard?.Dispose();
        _metrics.Dispose();
        _events.Dispose();
        _optimizer.Dispose();
        _model.Dispose();
        _plan.Dispose();
    }
}
