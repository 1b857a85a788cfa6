using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Tsumugi.Common;
using Tsumugi.Common.Config;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Adapters;
using Tsumugi.Modeling.Checkpoints;
using Tsumugi.Training.Checkpointing;
using Tsumugi.Training.TaskEval;
using Tsumugi.Training.Config;
using Tsumugi.Training.Dpo;
using Tsumugi.Training.Guard;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Metrics;
using Tsumugi.Training.Objectives;
using Tsumugi.Training.Parallel;
using Tsumugi.Training.Provenance;
using Tsumugi.Training.Sft;
using Parameter = TorchSharp.Modules.Parameter;
using AdamW = Tsumugi.Training.Optim.AdamW;
using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Training;

/// <summary>
/// The training loop. <see cref="Open"/> is the preflight (plan, disk, data, model, resume state) and never
/// touches the run's weights on disk; <see cref="Run"/> repeats one structure until the plan's last step:
/// batch → forward → loss → backward → (reduce) → guard → clip → AdamW step → evaluate → log → checkpoint.
/// What the loss is comes from an <see cref="ITrainingObjective"/>, where the numbers go from an
/// <see cref="IMetricsSink"/>, and everything a checkpoint restores is one <see cref="TrainerState"/>.
/// A run directory holds config.yaml, plan.txt, metrics.jsonl, events.jsonl, tensorboard/, checkpoints/step-N/ and
/// finally model/ (an HF directory) and loss.png.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly TrainConfig _config;
    private readonly string _runDirectory;
    private readonly RunPlan _plan;
    private readonly LlamaForCausalLM _model;
    private readonly LoraAdapter? _adapter;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly SftSampleLog? _samples;
    private readonly CheckpointTaskEval? _taskEval;
    private readonly AdamW _optimizer;
    private readonly ITrainingObjective _objective;
    private readonly SpikeGuard _guard;
    private readonly CheckpointStore _checkpoints;
    private readonly IDataParallel _parallel;
    private readonly Device _device;
    private readonly TextWriter _log;
    private readonly MetricsJsonlSink _metricsFile;
    private readonly IMetricsSink _metrics;
    private readonly EventLog _events;
    private readonly HeldOutEvaluator _heldOut;
    private readonly double _peakFlops;
    private readonly double? _fmaPeakFlops;
    private readonly double _flopsPerToken;
    private readonly List<string> _problems = new();
    private readonly RunLock _lock;
    private TrainerState _state;
    private long? _lastCheckpointStep;
    private double _communicationSeconds;
    private IReadOnlyDictionary<string, double> _lastHeldOut = new Dictionary<string, double>();
    private IReadOnlyDictionary<string, double>? _lastHeldOutMetrics;

    private Trainer(TrainConfig config, string runDirectory, RunPlan plan, LlamaForCausalLM model, LoraAdapter? adapter, AdamW optimizer,
        CheckpointStore checkpoints, IDataParallel parallel, Device device, TextWriter log, long? truncateMetricsTo, (double Gemm, double? Fma) peakFlops, RunLock runLock,
        ReferenceLogProbs? reference)
    {
        _lock = runLock;
        _config = config;
        _runDirectory = runDirectory;
        _plan = plan;
        _model = model;
        _adapter = adapter;
        _parameters = Trainable(model, adapter).Select(p => p.Parameter).ToList();
        _optimizer = optimizer;
        _objective = plan.Dpo is { } dpo
            ? new DpoObjective(model, device, dpo, config.Dpo!, reference, adapter)
            : new CausalLmObjective(model, device, config.Train.ZLoss, plan.Data.Datasets.Select(d => d.Domain).ToArray());
        _checkpoints = checkpoints;
        _parallel = parallel;
        _device = device;
        _log = log;
        _guard = new SpikeGuard(config.Guard);
        // Other ranks keep their own events (and an unused metrics file) in RUN_DIR/ranks/rank-N; rank 0 logs the run.
        var rankDirectory = RankDirectory(runDirectory, parallel);
        _metricsFile = new MetricsJsonlSink(Path.Combine(rankDirectory, "metrics.jsonl"), parallel.Rank == 0 ? truncateMetricsTo ?? 0 : 0);
        var sinks = new List<IMetricsSink>();
        if (parallel.Rank == 0)
        {
            sinks.Add(_metricsFile);
            if (config.Log.TensorBoard) sinks.Add(new TensorBoardSink(Path.Combine(runDirectory, "tensorboard")));
            sinks.Add(new LossPlotSink(_metricsFile.Path, Path.Combine(runDirectory, "loss.png")));
        }
        _metrics = new CompositeMetricsSink(sinks);
        _events = new EventLog(Path.Combine(rankDirectory, "events.jsonl"));
        _heldOut = new HeldOutEvaluator(plan.Data, config.Eval.MaxRows, config.Train.MicroBatchSize, DocumentIds);
        if (plan.Chat is { SamplePrompts.Count: > 0 } chat && parallel.Rank == 0)
            _samples = new SftSampleLog(Path.Combine(runDirectory, SftSampleLog.FileName), chat, config.Sft?.SampleMaxTokens ?? config.Dpo!.SampleMaxTokens, truncateMetricsTo is not null);
        if (parallel.Rank == 0)
            _taskEval = CheckpointTaskEval.Open(config, runDirectory, config.Model.Tokenizer ?? TokenizerOf(config.Model.From), log);
        if (_taskEval is { Mode: TaskEvalMode.Queue })
            checkpoints.Pinned = step => !File.Exists(CheckpointTaskEval.ResultPath(runDirectory, step)); // still waiting for `eval sweep`
        var sampler = plan.Data.CreateSampler().GetState();
        _state = new TrainerState { ConfigFingerprint = Fingerprint(config, sampler.Fingerprint), Sampler = sampler, Guard = _guard.GetState() };
        (_peakFlops, _fmaPeakFlops) = peakFlops;
        _flopsPerToken = plan.Accounting.TrainingFlopsPerToken(plan.Model, plan.SeqLength);
    }

    public RunPlan Plan => _plan;
    public LlamaForCausalLM Model => _model;

    /// <summary>Optimizer steps completed (including skipped ones).</summary>
    public long Step => _state.Step;

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
        if (File.Exists(runDirectory)) throw new TrainConfigException($"--output {runDirectory} is a file; give a directory for the run");
        var runLock = RunLock.Acquire(RankDirectory(runDirectory, parallel), log); // before anything reads or writes the run's files
        try
        {
            return Open(config, runDirectory, resume, log, parallel, runLock);
        }
        catch
        {
            runLock.Dispose();
            throw;
        }
    }

    private static Trainer Open(TrainConfig config, string runDirectory, bool resume, TextWriter log, IDataParallel parallel, RunLock runLock)
    {
        var checkpoints = new CheckpointStore(Path.Combine(runDirectory, "checkpoints"), config.Checkpoint.KeepLast, config.Checkpoint.KeepEvery);
        var notes = new List<string>();
        if (parallel.Rank == 0 && !resume && checkpoints.Latest() is { } existing)
            throw new TrainConfigException($"{runDirectory} already holds checkpoints (newest {CheckpointStore.NameOf(existing.Step)}); pass --resume to continue that run, or choose a new --output");
        if (parallel.Rank == 0 && !resume && File.Exists(Path.Combine(runDirectory, "metrics.jsonl")))
            throw new TrainConfigException($"{runDirectory} already holds a run (metrics.jsonl); choose a new --output, or pass --resume to continue it");
        var latest = resume ? ChooseCheckpoint(checkpoints, parallel, notes) : null;
        foreach (var note in notes) log.WriteLine($"warning: {note}");
        if (config.Train.Threads > 0) set_num_threads(config.Train.Threads);
        var device = ResolveDevice(config.Train.Device);
        var bf16 = (config.Model.Dtype ?? (device.type == DeviceType.CUDA ? ParameterDtype.Bfloat16 : ParameterDtype.Float32)) == ParameterDtype.Bfloat16;
        var modelConfig = ModelFactory.Config(config.Model);
        var plan = RunPlan.Create(config, modelConfig, parallel.WorldSize, bf16, runDirectory);
        LlamaForCausalLM? model = null;
        LoraAdapter? adapter = null;
        AdamW? optimizer = null;
        try
        {
            if (parallel.Rank == 0) checkpoints.CleanPartials();
            // A full run's checkpoint holds the model; a LoRA run's holds only the adapter, over the unchanged base.
            model = latest is { } l && config.Lora is null ? HfModelDirectory.Load(Path.Combine(l.Path, "model"), ScalarType.Float32) : ModelFactory.Build(config.Model, modelConfig, config.Seed, log);
            if (bf16) model.to(ScalarType.BFloat16);
            model.to(device);
            model.train();
            model.NeftuneAlpha = config.Sft?.NeftuneAlpha ?? 0;
            model.GradientCheckpointing = config.Train.GradientCheckpointing;
            adapter = AttachAdapter(config, model, latest?.Path);
            var named = Trainable(model, adapter);
            plan.TrainableParameters = named.Sum(p => p.Parameter.numel());
            optimizer = new AdamW(named, config.Optimizer, parallel.OptimizerShard(named));
            var peak = config.Log.PeakFlops > 0 ? config.Log.PeakFlops : PeakFlops.Measure(device, bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
            var fmaPeak = device.type == DeviceType.CPU ? FmaPeak.Measure(get_num_threads(), TimeSpan.FromSeconds(0.25)) : (double?)null;
            if (parallel.Rank == 0)
                log.WriteLine($"MFU yardsticks: GEMM {peak / 1e9:F0} GFLOP/s{(fmaPeak is { } f ? $", CPU FMA peak {f / 1e9:F0} GFLOP/s (oneMKL: {MklVendorDispatch.Status})" : "")}");
            TrainerState? saved = null;
            if (latest is { } ckpt)
            {
                saved = TrainerState.Load(Path.Combine(ckpt.Path, CheckpointStore.StateFile));
                optimizer.Load(OptimizerStateFiles.In(ckpt.Path));
            }
            Directory.CreateDirectory(runDirectory);
            // Rank 0 scores (or checks) the reference cache first; the other ranks then read the complete file.
            if (parallel.Rank != 0) parallel.Barrier();
            var reference = ReferencePass(config, plan, model, adapter, device, runDirectory, resumed: latest is not null, log);
            if (parallel.Rank == 0) parallel.Barrier();
            var trainer = new Trainer(config, runDirectory, plan, model, adapter, optimizer, checkpoints, parallel, device, log, saved?.MetricsBytes, (peak, fmaPeak), runLock, reference);
            foreach (var note in notes) trainer._events.Append("checkpoint_verification", latest?.Step ?? 0, note);
            if (resume) trainer.ReportTornLines();
            if (saved is not null) trainer.Resume(saved, latest!.Value.Path);
            else trainer._events.Append("start", 0, $"{plan.Steps} steps planned");
            // Preflight across ranks: one config, one data manifest, one world size — or no step 1 (the starting checkpoint is rank 0's choice).
            parallel.Agree("config and data (fingerprint of model, data manifest, train, optimizer, schedule and guard settings)", trainer._state.ConfigFingerprint);
            parallel.Agree("plan (world size, steps, global batch)", $"{parallel.WorldSize} ranks, {plan.Steps} steps, {plan.GlobalBatchTokens} tokens/step");
            trainer._lastCheckpointStep = latest?.Step;
            if (parallel.Rank == 0) AtomicFile.WriteAllText(Path.Combine(runDirectory, "config.yaml"), config.EffectiveYaml);
            trainer.MeasureWarmup();
            if (parallel.Rank == 0) AtomicFile.WriteAllText(Path.Combine(runDirectory, "plan.txt"), plan.ToText(DeviceName(device), bf16 ? "bfloat16" : "float32"));
            return trainer;
        }
        catch
        {
            optimizer?.Dispose();
            adapter?.Dispose();
            model?.Dispose();
            plan.Dispose();
            throw;
        }
    }

    /// <summary>
    /// LoRA runs: a new adapter (seeded) or, resuming, the checkpoint's — attached after the model reached its dtype and
    /// device, so the adapter's weights are created there too. Freezes the base model.
    /// </summary>
    private static LoraAdapter? AttachAdapter(TrainConfig config, LlamaForCausalLM model, string? checkpoint)
    {
        if (config.Lora is not { } lora) return null;
        try
        {
            return checkpoint is null ? LoraAdapter.Attach(model, lora, config.Seed) : LoraAdapter.Load(Path.Combine(checkpoint, AdapterDirectory), model);
        }
        catch (ArgumentException e)
        {
            throw new TrainConfigException($"{config.Source}: lora: {e.Message}");
        }
    }

    /// <summary>
    /// Preference runs with a precomputed reference: the starting model's log-prob of every row, scored once and cached in
    /// the run directory (a LoRA run scores with its adapter off, so a resumed run can finish an interrupted pass; a full
    /// run's weights have moved once it trained, so its cache must already be complete then).
    /// </summary>
    private static ReferenceLogProbs? ReferencePass(TrainConfig config, RunPlan plan, LlamaForCausalLM model, LoraAdapter? adapter,
        Device device, string runDirectory, bool resumed, TextWriter log)
    {
        if (plan.Dpo is not { } dpo || config.Dpo is not { } settings || !settings.Loss.RequiresReference) return null;
        if (settings.Reference == ReferenceSource.AdapterOff && adapter is not null) return null;
        var identity = $"{dpo.Identity} model={config.Model.From ?? config.Model.Preset ?? config.Model.ConfigPath} seed={config.Seed}";
        Directory.CreateDirectory(runDirectory);
        if (resumed && adapter is null && settings.ReferenceModel is null && !ReferenceLogProbs.IsComplete(runDirectory, identity, dpo.AllRows.Count))
            throw new TrainConfigException($"{Path.Combine(runDirectory, ReferenceLogProbs.FileName)} is missing or incomplete, and this full run's weights have already moved from the reference; start a new run (--output) to score the reference again");
        var batchRows = Math.Max(2, config.Train.MicroBatchSize);
        if (settings.ReferenceModel is { } other)
        {
            identity = $"{dpo.Identity} model={other}";
            // A complete cache is only read (the model argument goes unused); otherwise the other model is loaded for the pass alone.
            if (ReferenceLogProbs.IsComplete(runDirectory, identity, dpo.AllRows.Count))
                return ReferenceLogProbs.LoadOrCompute(runDirectory, identity, dpo.AllRows, model, device, batchRows, log);
            using var reference = HfModelDirectory.Load(other, ScalarType.Float32);
            reference.to(device);
            return ReferenceLogProbs.LoadOrCompute(runDirectory, identity, dpo.AllRows, reference, device, batchRows, log);
        }
        using var off = adapter?.Bypass();
        return ReferenceLogProbs.LoadOrCompute(runDirectory, identity, dpo.AllRows, model, device, batchRows, log);
    }

    /// <summary>What the optimizer updates: the adapter's tensors under their PEFT names, or every model parameter.</summary>
    private static List<(string Name, Parameter Parameter)> Trainable(LlamaForCausalLM model, LoraAdapter? adapter) => adapter is null
        ? model.named_parameters().Select(p => (p.name, p.parameter)).ToList()
        : adapter.NamedParameters().Zip(adapter.Parameters, (named, parameter) => (named.Key, parameter)).ToList();

    /// <summary>Where a rank keeps its own lock and logs: the run directory for rank 0, RUN_DIR/ranks/rank-N for the others.</summary>
    private static string RankDirectory(string runDirectory, IDataParallel parallel) =>
        parallel.Rank == 0 ? runDirectory : Path.Combine(runDirectory, "ranks", $"rank-{parallel.Rank:D5}");

    /// <summary>
    /// The checkpoint every rank loads: rank 0 verifies and picks (moving corrupt ones aside), the others take its choice,
    /// so no two ranks can start from different steps.
    /// </summary>
    private static (long Step, string Path)? ChooseCheckpoint(CheckpointStore checkpoints, IDataParallel parallel, ICollection<string> notes)
    {
        var chosen = parallel.Rank == 0 ? checkpoints.NewestUsable(notes) : null;
        var step = parallel.BroadcastFromRankZero(chosen?.Step ?? -1);
        return step < 0 ? null : (step, Path.Combine(checkpoints.Directory, CheckpointStore.NameOf(step)));
    }

    /// <summary>Where a LoRA run writes its adapter: RUN_DIR/adapter at the end, checkpoints/step-N/adapter on the way.</summary>
    public const string AdapterDirectory = "adapter";

    /// <summary>Packed SFT rows always keep their examples apart; pretraining only with train.attention_reset.</summary>
    private bool DocumentIds => _config.Train.AttentionReset || _config.Sft is not null;

    public string DescribePlan() => _plan.ToText(DeviceName(_device), _plan.MasterWeights ? "bfloat16" : "float32");

    /// <summary>Trains to the end of the plan, or until <paramref name="stop"/> fires (then saves a checkpoint).</summary>
    public TrainingOutcome Run(CancellationToken stop = default)
    {
        var prefetcher = NewPrefetcher();
        try
        {
            while (_state.Step < _plan.Steps)
            {
                var clock = Stopwatch.StartNew();
                using var batch = prefetcher.Next();
                // One reduction per step: the loss denominator of the whole global batch, and whether any rank was asked to
                // stop (a signal reaches ranks at different steps; they must all stop at the same one).
                var sums = _parallel.SumAcrossRanks([batch.ScoredTokens, stop.IsCancellationRequested ? 1 : 0]);
                if (sums[1] > 0) return Stop();
                batch.GlobalScoredTokens = (long)sums[0];
                batch.WorldSize = _parallel.WorldSize;
                var result = TrainStep(batch);
                if (result.Spike is { } reason)
                {
                    var why = result.Escalation is { } e ? $"{reason}; {e}" : reason;
                    if ((_config.Guard.Action == GuardAction.Rollback || result.Escalation is not null) && Rollback(why, batch))
                    {
                        prefetcher.Dispose();
                        prefetcher = NewPrefetcher();
                        continue;
                    }
                    if (result.Escalation is not null)
                        throw Diverged($"step {_state.Step + 1}: {why}, and there is no checkpoint to roll back to");
                }
                _state.Advance(_plan.GlobalBatchTokens, batch.SamplerAfter);
                if (result.Spike is null) _state.LastLoss = result.Loss.Loss;
                var seconds = clock.Elapsed.TotalSeconds; // the step alone: evaluation time is not training throughput
                var evaluate = _state.Step == _plan.Steps || (_config.Eval.Interval > 0 && _state.Step % _config.Eval.Interval == 0);
                if (evaluate && !_heldOut.IsEmpty) _lastHeldOut = _heldOut.Evaluate(_model, _device);
                if (evaluate && _objective is DpoObjective preference) _lastHeldOutMetrics = preference.Evaluate(Math.Max(1, _config.Train.MicroBatchSize / 2));
                if (evaluate) _samples?.Write(_state.Step, _model);
                var checkpointStep = _state.Step == _plan.Steps || (_config.Checkpoint.Interval > 0 && _state.Step % _config.Checkpoint.Interval == 0);
                var taskScores = checkpointStep && _taskEval is { Mode: TaskEvalMode.Inline } tasks ? tasks.Evaluate(_state.Step, _model, _log) : null;
                _state.ElapsedSeconds += clock.Elapsed.TotalSeconds;
                Log(result, batch, seconds, evaluate ? _lastHeldOut : null, evaluate ? _lastHeldOutMetrics : null, taskScores);
                if (_config.Checkpoint.Interval > 0 && _state.Step % _config.Checkpoint.Interval == 0 && _state.Step < _plan.Steps)
                {
                    // Weights that just gave a non-finite loss or gradient may be destroyed: a checkpoint of them would become the
                    // rollback target and turn one bad update into a run that cannot recover.
                    if (result.Spike is not null && !(double.IsFinite(result.Loss.Loss) && double.IsFinite(result.GradNorm)))
                        _events.Append("checkpoint_deferred", _state.Step, "the step's loss or gradient norm is not finite; the interval checkpoint waits for a good step");
                    else TrySaveCheckpoint();
                }
            }
        }
        finally
        {
            prefetcher.Dispose();
        }
        return Finish();
    }

    /// <param name="Loss">The objective's step loss, its <see cref="StepLoss.Loss"/> averaged across ranks.</param>
    /// <param name="Escalation">Why skipping this spike is not enough (too many in a row, or weights no longer finite).</param>
    private sealed record StepResult(StepLoss Loss, double GradNorm, double LearningRate, string? Spike, string? Escalation = null);

    private StepResult TrainStep(StepBatch batch)
    {
        for (var m = 0; m < batch.Inputs.Count; m++)
        {
            using var scope = NewDisposeScope();
            var loss = _objective.Forward(batch, m); // forward → loss (over the whole step's denominator)
            loss.backward();
            _optimizer.AccumulateGradients();
            _objective.Record(); // host reads of the logged values, once the backward is queued
        }
        var stepLoss = _objective.TakeStepLoss();
        stepLoss = SumAcrossRanks(stepLoss); // reduce
        _parallel.ReduceGradients(_optimizer.Gradients());
        var gradNorm = Math.Sqrt(_parallel.GradientNormSquared(_optimizer.GradientNormSquared()));
        var lr = _plan.Schedule.At(_state.Step);
        if (_guard.EnterStage(batch.StageIndex)) // a new domain raises the loss by design: fresh statistics, a grace window
            _events.Append("guard_reset", _state.Step + 1, $"stage {_plan.Data.Stages[batch.StageIndex].Name} begins: spike statistics reset, the next {_config.Guard.StageGraceSteps ?? _config.Guard.MinHistory} steps are not judged");
        var spike = _guard.Check(stepLoss.Loss, gradNorm); // guard
        string? escalation = null;
        if (spike is not null)
        {
            _optimizer.ZeroGradients();
            _state.SkippedSteps++;
            var inRow = _guard.RecordSkip();
            if (!(double.IsFinite(stepLoss.Loss) && double.IsFinite(gradNorm)) && !WeightsFinite())
                escalation = "the weights are no longer finite (an earlier update destroyed them), so skipping updates cannot recover the run";
            else if (inRow > _config.Guard.MaxSkips)
                escalation = $"{inRow} spikes in a row, above guard.max_skips {_config.Guard.MaxSkips}";
            var action = escalation is not null || _config.Guard.Action == GuardAction.Rollback ? "rollback" : "skip";
            _events.Append("spike", _state.Step + 1, spike, new JsonObject { ["action"] = action, ["loss"] = stepLoss.Loss, ["grad_norm"] = gradNorm, ["in_a_row"] = inRow });
            _log.WriteLine($"step {_state.Step + 1}: loss spike — {spike}; {(escalation is not null ? $"{escalation}: escalating" : action == "skip" ? "update skipped" : "rolling back")}");
        }
        else
        {
            if (_config.Train.GradClip > 0 && gradNorm > _config.Train.GradClip) _optimizer.ScaleGradients(_config.Train.GradClip / (gradNorm + 1e-6));
            _optimizer.Step(lr);
            _parallel.AfterOptimizerStep(_parameters);
            _guard.Accept(stepLoss.Loss, gradNorm);
        }
        return new StepResult(stepLoss, gradNorm, lr, spike, escalation);
    }

    /// <summary>PaLM's remedy: reload the newest checkpoint and move the data past the window that led to the spike.</summary>
    private bool Rollback(string reason, StepBatch spikeBatch)
    {
        var spikeStep = _state.Step + 1;
        var notes = new List<string>();
        var newest = ChooseCheckpoint(_checkpoints, _parallel, notes);
        foreach (var note in notes)
        {
            _events.Append("checkpoint_verification", spikeStep, note);
            _log.WriteLine($"warning: {note}");
        }
        if (newest is not { } latest)
        {
            _events.Append("rollback_unavailable", spikeStep, "no checkpoint to roll back to yet; the update was skipped instead");
            return false;
        }
        if (++_state.Rollbacks > _config.Guard.MaxRollbacks)
            throw Diverged($"step {spikeStep}: {reason}; this is rollback {_state.Rollbacks}, above guard.max_rollbacks {_config.Guard.MaxRollbacks}. The run keeps diverging: lower the learning rate or inspect the data around sampler position {spikeBatch.SamplerAfter.Position}");
        var saved = TrainerState.Load(Path.Combine(latest.Path, CheckpointStore.StateFile));
        if (_adapter is not null) _adapter.ReloadWeights(Path.Combine(latest.Path, AdapterDirectory));
        else StateDictIO.Load(_model, Path.Combine(latest.Path, "model"));
        _optimizer.Load(OptimizerStateFiles.In(latest.Path));
        var sampler = _plan.Data.CreateSampler();
        sampler.Restore(saved.Sampler);
        var skipRows = Math.Max(_config.Guard.SkipSteps * _plan.RowsPerStep, spikeBatch.SamplerAfter.Position - saved.Sampler.Position);
        sampler.Skip(skipRows);
        // The checkpoint's state, except what the rollback itself changed: the data moved on, and the run's spike counts.
        saved.Sampler = sampler.GetState();
        saved.Rollbacks = _state.Rollbacks;
        saved.SkippedSteps = _state.SkippedSteps;
        Restore(saved);
        if (_parallel.Rank == 0) _metricsFile.TruncateTo(saved.MetricsBytes); // the rolled-back steps are trained again; their old lines go (the plot reads this file)
        _samples?.TruncateAfter(saved.Step);
        _events.Append("rollback", saved.Step, $"{reason}; reloaded {CheckpointStore.NameOf(saved.Step)} and skipped {skipRows:N0} rows of data",
            new JsonObject { ["spike_step"] = spikeStep, ["skipped_rows"] = skipRows, ["sampler_position"] = saved.Sampler.Position });
        _log.WriteLine($"rolled back to {CheckpointStore.NameOf(saved.Step)}; skipping {skipRows:N0} rows of data");
        return true;
    }

    private void Resume(TrainerState saved, string checkpointPath)
    {
        if (saved.ConfigFingerprint != _state.ConfigFingerprint)
            throw new TrainConfigException($"{checkpointPath}: the config changed since this checkpoint (model, data, train, optimizer, schedule or guard settings); resume with {Path.Combine(_runDirectory, "config.yaml")} or start a new run from the checkpoint's model with model.from");
        Restore(saved);
        _samples?.TruncateAfter(saved.Step);
        _events.Append("resume", saved.Step, $"resumed from {CheckpointStore.NameOf(saved.Step)}");
        _log.WriteLine($"resuming from {CheckpointStore.NameOf(saved.Step)} ({checkpointPath})");
    }

    /// <summary>Resume: torn lines in the logs are reported with file and line (a torn last line is cut; others are kept, and the plot skips them).</summary>
    private void ReportTornLines()
    {
        foreach (var tail in new[] { _metricsFile.TornTail, _events.TornTail })
            if (tail is not null) _log.WriteLine($"warning: {tail}");
        foreach (var problem in JsonLinesLog.Check(_metricsFile.Path).Concat(JsonLinesLog.Check(Path.Combine(_runDirectory, "events.jsonl"))))
            _log.WriteLine($"warning: {problem}");
    }

    /// <summary>Ends the run as diverged, after recording why in events.jsonl.</summary>
    private TrainingDivergedException Diverged(string message)
    {
        _events.Append("diverged", _state.Step, message);
        return new TrainingDivergedException(message + ". The run stopped without writing a model; lower the learning rate or inspect the data of those steps, then start again (or --resume from an intact checkpoint)");
    }

    private bool WeightsFinite()
    {
        using var scope = NewDisposeScope();
        return _parameters.All(p => isfinite(p).all().item<bool>());
    }

    private void Restore(TrainerState saved)
    {
        _state = saved;
        saved.RestoreInto(_guard);
    }

    /// <summary>
    /// The step's loss over every rank's rows, in one reduction: each rank's loss and z-loss are its shares of the global
    /// means, so they add up; per-domain losses are divided again from the ranks' summed losses and token counts.
    /// </summary>
    private StepLoss SumAcrossRanks(StepLoss local)
    {
        if (_parallel.WorldSize == 1) return local;
        var domains = local.DomainSums is null ? [] : _plan.Data.Datasets.Select(d => d.Domain).Distinct().Order(StringComparer.Ordinal).ToList();
        var values = new List<double> { local.Loss, local.ZLoss ?? 0 };
        foreach (var d in domains) values.AddRange(local.DomainSums!.TryGetValue(d, out var s) ? [s.Loss, s.Tokens] : [0.0, 0.0]);
        var all = _parallel.SumAcrossRanks(values.ToArray());
        var domainLoss = local.DomainSums is null ? local.DomainLoss : domains.Select((d, i) => (Domain: d, Loss: all[2 + 2 * i], Tokens: all[3 + 2 * i]))
            .Where(x => x.Tokens > 0).ToDictionary(x => x.Domain, x => x.Loss / x.Tokens);
        return local with { Loss = all[0], ZLoss = local.ZLoss is null ? null : all[1], DomainLoss = domainLoss };
    }

    private BatchPrefetcher NewPrefetcher()
    {
        var sampler = _plan.Data.CreateSampler();
        sampler.Restore(_state.Sampler);
        return new BatchPrefetcher(sampler, _plan.MicroBatchSize, _plan.AccumulationSteps, _parallel.Rank, _parallel.WorldSize,
            _plan.Model.VocabSize, DocumentIds);
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

    private void Log(StepResult r, StepBatch batch, double seconds, IReadOnlyDictionary<string, double>? heldOut, IReadOnlyDictionary<string, double>? heldOutMetrics,
        IReadOnlyDictionary<string, double>? taskScores)
    {
        var communication = _parallel.CommunicationSeconds - _communicationSeconds; // this step's share of the collectives
        _communicationSeconds = _parallel.CommunicationSeconds;
        if (_parallel.Rank != 0) return;
        var tokensPerSecond = _plan.GlobalBatchTokens / seconds;
        var report = new StepReport
        {
            Step = _state.Step,
            TotalSteps = _plan.Steps,
            Tokens = _state.Tokens,
            Loss = r.Loss.Loss,
            ZLoss = r.Loss.ZLoss,
            DomainLoss = r.Loss.DomainLoss,
            HeldOutLoss = heldOut,
            LearningRate = r.LearningRate,
            GradNorm = r.GradNorm,
            TokensPerSecond = tokensPerSecond,
            Mfu = tokensPerSecond * _flopsPerToken / _peakFlops / _parallel.WorldSize,
            HardwareMfu = _fmaPeakFlops is { } fma ? tokensPerSecond * _flopsPerToken / fma / _parallel.WorldSize : null,
            CommunicationSeconds = _parallel.WorldSize > 1 ? communication : null,
            MemoryMb = Environment.WorkingSet / 1048576.0,
            Stage = _plan.Data.Stages[batch.StageIndex].Name,
            Skipped = r.Spike is not null,
            EtaSeconds = (_plan.Steps - _state.Step) * (_state.ElapsedSeconds / Math.Max(1, _state.Step)),
            RouterAuxLoss = r.Loss.RouterAuxLoss,
            ExpertShare = r.Loss.ExpertShare,
            Metrics = r.Loss.Metrics,
            HeldOutMetrics = heldOutMetrics,
            TaskScores = taskScores,
        };
        _metrics.Log(report);
        StepCompleted?.Invoke(report);
    }

    /// <summary>
    /// Saves a checkpoint; a failure (disk full) is reported and the run goes on with the earlier ones intact. Every rank
    /// calls it at the same step. With a sharded optimizer each rank first writes (and syncs) its shard beside the
    /// checkpoint; only when every rank succeeded does rank 0 write the rest and publish the checkpoint with the shards
    /// in it — so a checkpoint is complete on all ranks or does not exist.
    /// </summary>
    private bool TrySaveCheckpoint()
    {
        string? shards = null;
        if (_parallel.ShardsOptimizer)
        {
            shards = Path.Combine(_checkpoints.Directory, $".{CheckpointStore.NameOf(_state.Step)}.shards");
            string? failure = null;
            try
            {
                Directory.CreateDirectory(shards);
                var file = Path.Combine(shards, OptimizerStateFiles.Shard(_parallel.Rank, _parallel.WorldSize));
                _optimizer.Save(file);
                FileSync.SyncFile(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failure = e.Message;
            }
            var failedRanks = _parallel.SumAcrossRanks(failure is null ? 0 : 1);
            if (failedRanks > 0)
            {
                var message = $"checkpoint {CheckpointStore.NameOf(_state.Step)} could not be written: {(failure is not null ? $"rank {_parallel.Rank}: {failure}" : $"{failedRanks} rank(s) could not write their optimizer shard")}; nothing was lost, the previous checkpoint is still the newest";
                if (_parallel.Rank == 0) CheckpointStore.TryDelete(shards);
                _problems.Add(message);
                _events.Append("checkpoint_failed", _state.Step, message);
                _log.WriteLine($"warning: {message}");
                return false;
            }
            _lastCheckpointStep = _state.Step; // what every rank knows; rank 0's own failure below is its alone to report
        }
        if (_parallel.Rank != 0) return true;
        try
        {
            var path = _checkpoints.Save(_state.Step, directory => WriteCheckpoint(directory, shards));
            _lastCheckpointStep = _state.Step;
            _events.Append("checkpoint", _state.Step, path);
            if (_taskEval is { Mode: TaskEvalMode.Queue }) _events.Append("eval_queued", _state.Step, $"{path}: waiting for `tsumugi eval sweep {_runDirectory}`");
            return true;
        }
        catch (CheckpointWriteException e)
        {
            _problems.Add(e.Message);
            _events.Append("checkpoint_failed", _state.Step, e.Message);
            _log.WriteLine($"warning: {e.Message}");
            return false;
        }
    }

    /// <param name="shards">With a sharded optimizer: the directory where every rank wrote its shard, moved in here.</param>
    private void WriteCheckpoint(string directory, string? shards)
    {
        SaveWeights(directory);
        if (shards is null) _optimizer.Save(Path.Combine(directory, OptimizerStateFiles.Single));
        else
        {
            foreach (var file in Directory.EnumerateFiles(shards)) File.Move(file, Path.Combine(directory, Path.GetFileName(file)));
            Directory.Delete(shards);
        }
        AtomicFile.WriteAllText(Path.Combine(directory, "config.yaml"), _config.EffectiveYaml);
        _metricsFile.CopyTo(Path.Combine(directory, "metrics.jsonl"));
        _state.Capture(_guard, _metricsFile.Length);
        _state.Save(Path.Combine(directory, CheckpointStore.StateFile));
    }

    /// <summary>
    /// The trained weights into <paramref name="directory"/>: an HF model directory <c>model/</c> (with the tokenizer,
    /// and the chat template an SFT run rendered with), or for LoRA the PEFT adapter directory <c>adapter/</c>.
    /// Returns the directory written.
    /// </summary>
    private string SaveWeights(string directory)
    {
        string target;
        if (_adapter is not null)
        {
            target = Path.Combine(directory, AdapterDirectory);
            _adapter.Save(target);
        }
        else
        {
            target = Path.Combine(directory, "model");
            HfModelDirectory.Save(_model, target, _config.Model.Tokenizer ?? TokenizerOf(_config.Model.From));
        }
        if (_plan.Chat?.Template is { } template) AtomicFile.WriteAllText(Path.Combine(target, "chat_template.jinja"), template.Source);
        Record().Write(target);
        return target;
    }

    /// <summary>What produced these weights (training.json beside them), with the starting model's lineage.</summary>
    private TrainingRecord Record()
    {
        var m = _config.Model;
        var (stages, datasets) = TrainingRecord.Mixture(_plan.Data);
        return new TrainingRecord
        {
            Kind = (_config.Dpo is not null ? "dpo" : _config.Sft is not null ? "sft" : "pretrain") + (_adapter is not null ? "+lora" : ""),
            Init = m.From is { } from ? $"model:{from}" : m.ConfigPath is { } config ? $"config:{config}" : $"preset:{m.Preset}",
            Steps = _state.Step,
            Tokens = _state.Tokens,
            FinalLoss = _state.LastLoss is { } loss && double.IsFinite(loss) ? loss : null,
            HeldOutLoss = _lastHeldOut.Count > 0 ? _lastHeldOut : null,
            Stages = stages,
            Datasets = datasets,
            Finished = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            History = TrainingRecord.Read(m.From)?.Lineage() ?? [],
        };
    }

    /// <summary>The starting model's directory when it carries a tokenizer (tokenizer.model, or tokenizer.json alone as Llama 3 and Qwen2 ship).</summary>
    private static string? TokenizerOf(string? modelDirectory) =>
        modelDirectory is not null && HfModelDirectory.TokenizerFiles.Take(2).Any(f => File.Exists(Path.Combine(modelDirectory, f))) ? modelDirectory : null;

    private TrainingOutcome Stop()
    {
        var saved = TrySaveCheckpoint();
        _parallel.Barrier(); // no rank exits (130 ends an mpirun job) before rank 0 has published the checkpoint
        _events.Append("stopped", _state.Step, saved ? "checkpoint saved; continue with --resume" : "checkpoint could not be saved");
        return new TrainingOutcome(_state.Step, false, "signal", _state.LastLoss, _lastHeldOut, null, _problems) { HeldOutMetrics = _lastHeldOutMetrics };
    }

    private TrainingOutcome Finish()
    {
        // A run whose last steps were skipped as non-finite may hold destroyed weights: never report those as done.
        if (_guard.ConsecutiveSkips > 0 && !WeightsFinite())
            throw Diverged($"step {_state.Step}: the weights are not finite at the end of the run");
        string? modelDirectory = null;
        var saved = _lastCheckpointStep == _state.Step || TrySaveCheckpoint(); // every rank: a sharded checkpoint needs them all
        if (_parallel.Rank == 0)
        {
            try
            {
                modelDirectory = SaveWeights(_runDirectory);
            }
            catch (IOException e)
            {
                _problems.Add($"{Path.Combine(_runDirectory, _adapter is null ? "model" : AdapterDirectory)}: the final {(_adapter is null ? "model" : "adapter")} could not be written ({e.Message}); {(saved ? $"checkpoint {CheckpointStore.NameOf(_state.Step)} holds it" : "the newest checkpoint is the latest saved state")}");
                modelDirectory = null;
            }
            _metrics.Finish(_problems);
            _events.Append("finished", _state.Step, modelDirectory ?? "final model not written");
        }
        _parallel.Barrier(); // the job ends when rank 0 has written the model, not when the first rank returns
        return new TrainingOutcome(_state.Step, true, null, _state.LastLoss, _lastHeldOut, modelDirectory, _problems) { HeldOutMetrics = _lastHeldOutMetrics };
    }

    /// <summary>
    /// Hash of everything that shapes the loss curve; device, threads, logging and checkpoint cadence may change on resume.
    /// Hashed as snake_case JSON (the config's own key names), not as record ToString(), so renaming a C# type or
    /// property does not orphan existing checkpoints.
    /// </summary>
    private static string Fingerprint(TrainConfig c, string dataFingerprint)
    {
        var shaping = new { seed = c.Seed, model = c.Model, train = c.Train with { Device = default, Threads = 0 }, optimizer = c.Optimizer, schedule = c.Schedule, guard = c.Guard, data = dataFingerprint, sft = c.Sft, dpo = c.Dpo, lora = c.Lora };
        var json = JsonSerializer.SerializeToUtf8Bytes(shaping, FingerprintJson);
        return Convert.ToHexStringLower(SHA256.HashData(json))[..16];
    }

    private static readonly JsonSerializerOptions FingerprintJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private static Device ResolveDevice(TrainDevice setting) => setting switch
    {
        TrainDevice.Cpu => CPU,
        TrainDevice.Cuda when !cuda.is_available() => throw new TrainConfigException("train.device is cuda but no CUDA device is available (TorchSharp-cpu build, or no GPU); build with -p:TorchBackend=cuda or use train.device: cpu"),
        TrainDevice.Cuda => CUDA,
        _ => cuda.is_available() ? CUDA : CPU,
    };

    private static string DeviceName(Device d) => d.type == DeviceType.CUDA ? $"cuda:{d.index}" : $"cpu ({get_num_threads()} threads)";

    public void Dispose()
    {
        _metrics.Dispose();
        _events.Dispose();
        _optimizer.Dispose();
        _samples?.Dispose();
        _adapter?.Dispose();
        _model.Dispose();
        _plan.Dispose();
        _lock.Dispose(); // last: the run's files are closed before another trainer may open them
    }
}
