using System.Globalization;
using System.Text;
using Tsumugi.Common;
using Tsumugi.Common.Config;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Modeling;
using Tsumugi.Training.Config;
using Tsumugi.Training.Schedule;
using Tsumugi.Training.Dpo;
using Tsumugi.Training.Sft;
using TokenCounts = Tsumugi.Common.TokenCounts;

namespace Tsumugi.Training;

/// <summary>
/// The preflight: batch geometry, steps and tokens, the data plan (tokens per stage and dataset, epochs), checkpoint
/// sizes against the free disk, and the LR schedule — computed and checked before any weight is touched. A plan that
/// contradicts itself (budget vs steps vs batch vs data) or cannot fit its checkpoints on the disk is refused with a
/// <see cref="TrainConfigException"/> that says which keys disagree and what would make them agree.
/// </summary>
public sealed class RunPlan : IDisposable
{
    private RunPlan(TrainConfig config, LlamaConfig model, DataPlan data)
    {
        Config = config;
        Model = model;
        Data = data;
    }

    public TrainConfig Config { get; }
    public LlamaConfig Model { get; }
    public DataPlan Data { get; }
    public int WorldSize { get; private init; }
    public int SeqLength => Config.Train.SeqLength;
    public int MicroBatchSize => Config.Train.MicroBatchSize;
    public long GlobalBatchTokens { get; private init; }
    public int AccumulationSteps { get; private init; }
    public long RowsPerStep => GlobalBatchTokens / SeqLength;
    public long Steps { get; private init; }
    public long Tokens => Steps * GlobalBatchTokens;
    public required LearningRateSchedule Schedule { get; init; }
    public long CheckpointBytes { get; private init; }
    public long FinalModelBytes { get; private init; }
    public long CheckpointsKept { get; private init; }
    public long DiskNeeded => CheckpointsKept * CheckpointBytes + FinalModelBytes;
    public long DiskFree { get; private init; }

    /// <summary>
    /// Bytes the run directory already holds in checkpoints (complete, partial or swapped-out) and a final model: a
    /// resumed run replaces or rotates them (keep_last), so that space counts as available to it.
    /// </summary>
    public long DiskReclaimable { get; private init; }

    /// <summary>Bytes the model's fp32 weights take while it is built on the host (every run starts there).</summary>
    public long HostBuildBytes { get; private init; }

    /// <summary>An SFT run's tokenizer, chat template and sample prompts (null for pretraining).</summary>
    public SftRunData? Sft { get; private init; }

    /// <summary>A preference run's pairs, tokenizer and chat template (null otherwise).</summary>
    public DpoRunData? Dpo { get; private init; }

    /// <summary>What SFT and preference runs share: the tokenizer, the chat template trained with, the sample prompts.</summary>
    public SftRunData? Chat => Sft ?? Dpo?.Chat;

    /// <summary>Parameters that train (a LoRA adapter's, or all), set once the model is built; printed in the plan.</summary>
    public long? TrainableParameters { get; set; }
    public int WeightBytes { get; private init; }
    public bool MasterWeights { get; private init; }
    public ModelAccounting Accounting => ModelAccounting.For(Model);

    /// <summary>Seconds per optimizer step measured by a short warm-up (set by the trainer before printing).</summary>
    public double? SecondsPerStep { get; set; }

    public static RunPlan Create(TrainConfig config, LlamaConfig model, int worldSize, bool bf16, string runDirectory)
    {
        if (File.Exists(runDirectory))
            throw new TrainConfigException($"--output {runDirectory} is a file, not a run directory; give a directory (it is created if missing)");
        var t = config.Train;
        var rowTokens = (long)t.MicroBatchSize * t.SeqLength * worldSize;
        var global = t.GlobalBatchTokens ?? rowTokens;
        if (global % rowTokens != 0)
        {
            var lower = Math.Max(rowTokens, global / rowTokens * rowTokens);
            throw new TrainConfigException($"{config.Source}: train.global_batch_tokens {global:N0} is not a multiple of micro_batch_size × seq_length × processes = {t.MicroBatchSize} × {t.SeqLength} × {worldSize} = {rowTokens:N0}; use {lower:N0} or {lower + rowTokens:N0}");
        }
        var accumulation = (int)(global / rowTokens);
        DataPlan data;
        long steps, hostBuild;
        SftRunData? sft = null;
        DpoRunData? dpo = null;
        if (config.Data.Preference is not null)
        {
            hostBuild = ModelMemory.Check(config, model);
            dpo = DpoDataBuilder.Build(config, model.VocabSize, global / t.SeqLength, t.MicroBatchSize * worldSize);
            (data, steps) = (dpo.Chat.Data, dpo.Chat.Steps);
        }
        else if (config.Data.Sft is not null)
        {
            hostBuild = ModelMemory.Check(config, model);
            sft = SftDataBuilder.Build(config, model.VocabSize, global / t.SeqLength, t.MicroBatchSize * worldSize);
            (data, steps) = (sft.Data, sft.Steps);
        }
        else (data, steps, hostBuild) = PretrainingData(config, model, global);
        try
        {
            var accounting = ModelAccounting.For(model);
            var weightBytes = bf16 ? 2 : 4;
            var checkpointBytes = accounting.TotalParameters * (weightBytes + 8 + (bf16 ? 4 : 0)) + (1 << 20);
            var kept = config.Checkpoint.KeepLast + 1 + (config.Checkpoint.KeepEvery > 0 ? steps / config.Checkpoint.KeepEvery : 0);
            var plan = new RunPlan(config, model, data)
            {
                WorldSize = worldSize,
                GlobalBatchTokens = global,
                AccumulationSteps = accumulation,
                Steps = steps,
                Schedule = new LearningRateSchedule(config.Optimizer, config.Schedule, steps, StageSpans(data, global / t.SeqLength, steps, global)),
                CheckpointBytes = checkpointBytes,
                FinalModelBytes = accounting.TotalParameters * weightBytes,
                CheckpointsKept = kept,
                DiskFree = FreeBytes(runDirectory),
                DiskReclaimable = ReclaimableBytes(runDirectory),
                HostBuildBytes = hostBuild,
                WeightBytes = weightBytes,
                MasterWeights = bf16,
                Sft = sft,
                Dpo = dpo,
            };
            if (plan.Config.Schedule.WarmupSteps >= plan.Steps && plan.Steps > 1)
                throw new TrainConfigException($"{config.Source}: schedule.warmup_steps {config.Schedule.WarmupSteps} is not below the run's {plan.Steps} steps; shorten the warm-up");
            if (plan.DiskNeeded > plan.DiskFree + plan.DiskReclaimable)
                throw new TrainConfigException(string.Create(CultureInfo.InvariantCulture,
                    $"{runDirectory}: the plan needs {Bytes(plan.DiskNeeded)} of disk ({kept} checkpoints kept at once × {Bytes(checkpointBytes)} + final model {Bytes(plan.FinalModelBytes)}) but only {Bytes(plan.DiskFree)} is free{(plan.DiskReclaimable > 0 ? $" (+ {Bytes(plan.DiskReclaimable)} in this run's own checkpoints and model, which it rotates)" : "")}; free space, write the run elsewhere, or lower checkpoint.keep_last / keep_every"));
            return plan;
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>Pretraining data: the datasets of data.path or the curriculum, opened and checked, and the run length.</summary>
    private static (DataPlan Data, long Steps, long HostBuild) PretrainingData(TrainConfig config, LlamaConfig model, long global)
    {
        var t = config.Train;
        var steps = FixedSteps(config, global, out var curriculum);
        if (config.Model.VocabSizeFromData) model.VocabSize = DatasetVocabulary.Infer(curriculum);
        var hostBuild = ModelMemory.Check(config, model); // before anything allocates the model
        CheckTokenizer(config, curriculum);
        DataPlan data;
        try
        {
            data = DataPlan.Create(curriculum, t.SeqLength, config.Seed, model.VocabSize);
        }
        catch (DataConfigException e)
        {
            throw new TrainConfigException(e.Message);
        }
        if (steps is null)
        {
            // A curriculum's stage budgets fix the run length; max_steps / tokens, when given, must agree with them.
            var fromData = (data.TotalSamples + global / t.SeqLength - 1) / (global / t.SeqLength);
            try
            {
                CheckAgreement(config, global, fromData, data.TotalTokens);
            }
            catch
            {
                data.Dispose();
                throw;
            }
            steps = fromData;
        }
        return (data, steps.Value, hostBuild);
    }

    /// <summary>Steps fixed by the config (data.path runs), or null when a curriculum's budgets decide.</summary>
    private static long? FixedSteps(TrainConfig config, long global, out CurriculumConfig curriculum)
    {
        var t = config.Train;
        var d = config.Data;
        if (d.Path is null)
        {
            try
            {
                curriculum = d.CurriculumFile is { } file
                    ? CurriculumConfig.Load(file)
                    : CurriculumConfig.FromYaml(d.Inline!, config.Source, config.BaseDirectory);
            }
            catch (DataConfigException e)
            {
                throw new TrainConfigException(config.Overrides.NameFlags(e.Message));
            }
            // data.packing / data.validation_fraction beside data.curriculum: the run's choice overrides the file's.
            curriculum = curriculum with
            {
                Packing = d.Packing ?? curriculum.Packing,
                ValidationFraction = d.ValidationFraction ?? curriculum.ValidationFraction,
            };
            return null;
        }
        long steps;
        if (t.MaxSteps is { } max)
        {
            steps = max;
            if (t.Tokens is { } tokens && (tokens + global - 1) / global != max)
                throw new TrainConfigException($"{config.Source}: train.tokens {tokens:N0} and train.max_steps {max:N0} disagree: at {global:N0} tokens per step the budget is {(tokens + global - 1) / global:N0} steps; give one of them");
        }
        else if (t.Tokens is { } tokens) steps = (tokens + global - 1) / global;
        else throw new TrainConfigException($"{config.Source}: set train.max_steps or train.tokens (with data.path the run length is not given by the data)");
        try
        {
            curriculum = CurriculumConfig.FromPath(d.Path, steps * global, d.MaxEpochs, d.Packing ?? PackingMode.Concat, d.ValidationFraction ?? 0);
        }
        catch (DataConfigException e)
        {
            throw new TrainConfigException(e.Message);
        }
        return steps;
    }

    /// <summary>Refuses datasets whose manifest names another tokenizer than the model's (ids would mean other pieces).</summary>
    private static void CheckTokenizer(TrainConfig config, CurriculumConfig curriculum)
    {
        var directory = config.Model.Tokenizer ?? config.Model.From;
        var file = directory is null ? null : Path.Combine(directory, "tokenizer.model");
        if (file is null || !File.Exists(file)) return;
        var hash = Datasets.TokenizerFingerprint.Of(file);
        foreach (var spec in curriculum.Datasets)
        {
            var entry = Datasets.DatasetManifest.EntryFor(spec.Path);
            if (entry?.TokenizerHash is { } recorded && recorded != hash)
                throw new TrainConfigException($"dataset '{spec.Name}' ({spec.Path}) was tokenized with another tokenizer ({recorded} in manifest.json) than the model's {file} ({hash}); retokenize it with `tsumugi data tokenize --tokenizer {directory}`");
        }
    }

    private static void CheckAgreement(TrainConfig config, long global, long stepsFromData, long dataTokens)
    {
        var t = config.Train;
        if (t.MaxSteps is { } max && max != stepsFromData)
            throw new TrainConfigException($"{config.Source}: train.max_steps {max:N0} contradicts the curriculum: its stages hold {dataTokens:N0} tokens = {stepsFromData:N0} steps of {global:N0} tokens; remove train.max_steps, set it to {stepsFromData:N0}, or change the stage budgets");
        if (t.Tokens is { } tokens && (tokens + global - 1) / global != stepsFromData)
            throw new TrainConfigException($"{config.Source}: train.tokens {tokens:N0} contradicts the curriculum's stage budgets ({dataTokens:N0} tokens); remove train.tokens or change the stages");
    }

    private static List<LearningRateSchedule.StageSpan> StageSpans(DataPlan data, long rowsPerStep, long steps, long global)
    {
        var spans = new List<LearningRateSchedule.StageSpan>();
        for (var i = 0; i < data.Stages.Count; i++)
        {
            var s = data.Stages[i];
            var start = (s.StartSample + rowsPerStep - 1) / rowsPerStep;
            var end = i + 1 < data.Stages.Count ? (data.Stages[i + 1].StartSample + rowsPerStep - 1) / rowsPerStep : steps;
            var warmup = s.LearningRate?.WarmupTokens is { } w ? (w + global - 1) / global : 0;
            spans.Add(new LearningRateSchedule.StageSpan(s.Name, start, Math.Max(start + 1, end), s.LearningRate, warmup));
        }
        return spans;
    }

    private static long FreeBytes(string directory)
    {
        var probe = Path.GetFullPath(directory);
        while (!Directory.Exists(probe)) probe = Path.GetDirectoryName(probe) ?? "/";
        return new DriveInfo(probe).AvailableFreeSpace;
    }

    /// <summary>Sizes of what a run in <paramref name="directory"/> replaces: checkpoints/* and model/.</summary>
    private static long ReclaimableBytes(string directory)
    {
        long total = 0;
        foreach (var sub in new[] { "checkpoints", "model" })
        {
            var path = Path.Combine(directory, sub);
            if (!Directory.Exists(path)) continue;
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
            {
                try
                {
                    total += new FileInfo(file).Length;
                }
                catch (IOException)
                {
                    // Removed while counting (a checkpoint rotated by another run): it frees nothing more.
                }
            }
        }
        return total;
    }

    public static string Bytes(double bytes) => bytes switch
    {
        >= 1L << 40 => (bytes / (1L << 40)).ToString("0.##", CultureInfo.InvariantCulture) + " TiB",
        >= 1L << 30 => (bytes / (1L << 30)).ToString("0.##", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1024).ToString("0", CultureInfo.InvariantCulture) + " KiB",
    };

    /// <summary>
    /// Weights + gradients + AdamW moments (+ fp32 master weights under bf16) of the trainable parameters, and one
    /// micro-batch's activation peak (<see cref="ActivationMemory"/>) as configured and with the other checkpointing
    /// setting, so the saving (or the cost) is visible before a run starts.
    /// </summary>
    public string MemoryText()
    {
        var states = StateBytes();
        var on = Config.Train.GradientCheckpointing;
        var activations = ActivationMemory.PeakBytes(Model, MicroBatchSize, SeqLength, WeightBytes, on);
        var other = ActivationMemory.PeakBytes(Model, MicroBatchSize, SeqLength, WeightBytes, !on);
        return $"{Bytes(states)} weights, gradients and AdamW moments + {Bytes(activations)} activations per micro-batch " +
               $"(gradient_checkpointing {(on ? "on" : "off")}; {Bytes(other)} {(on ? "without" : "with")} it) = {Bytes(states + activations)}";
    }

    /// <summary>
    /// Data parallelism: what each rank computes and holds. Every rank keeps the weights, gradients and activations;
    /// ZeRO-1 divides the optimizer state (AdamW moments, fp32 masters) by the world size.
    /// </summary>
    public string ParallelText()
    {
        var trainable = TrainableParameters ?? Accounting.TotalParameters;
        var optimizer = (double)trainable * (8 + (MasterWeights ? 4 : 0));
        var whole = StateBytes() + ActivationMemory.PeakBytes(Model, MicroBatchSize, SeqLength, WeightBytes, Config.Train.GradientCheckpointing);
        var zero = Config.Parallel.Zero >= 1;
        return $"{WorldSize} ranks, each {MicroBatchSize} rows × {AccumulationSteps} micro-batches per step; per-rank memory {Bytes(whole)} with plain data parallelism, " +
               $"{Bytes(whole - optimizer + optimizer / WorldSize)} with ZeRO-1 (optimizer state {Bytes(optimizer)} → {Bytes(optimizer / WorldSize)}); parallel.zero: {(zero ? "1" : "0")}, " +
               $"gradients in {Config.Parallel.BucketMb:0.##} MiB fp32 buckets";
    }

    /// <summary>Weights, gradients, AdamW moments and (bf16) fp32 masters with their fp32 gradient accumulators.</summary>
    private double StateBytes()
    {
        var trainable = (double)(TrainableParameters ?? Accounting.TotalParameters);
        return (double)Accounting.TotalParameters * WeightBytes + trainable * (WeightBytes + 8 + (MasterWeights ? 8 : 0));
    }

    /// <summary>The plan as printed before step 1 and by <c>tsumugi train plan</c>.</summary>
    public string ToText(string device, string dtype)
    {
        var ci = CultureInfo.InvariantCulture;
        var a = Accounting;
        var flops = a.TrainingFlopsPerToken(Model, SeqLength);
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"run plan ({Config.Source})");
        sb.AppendLine(ci, $"  model      {Model.ModelType}: {a.TotalParameters:N0} parameters ({a.ActiveParameters:N0} active), vocab {Model.VocabSize:N0}, {flops / 1e6:0.#} MFLOPs/token; {device}, {dtype}{(MasterWeights ? " with fp32 master weights" : "")}");
        if (TrainableParameters is { } trainable && trainable != a.TotalParameters)
            sb.AppendLine(ci, $"  trains     {trainable:N0} parameters ({(double)trainable / a.TotalParameters:P2}){(Config.Lora is { } l ? $": LoRA r {l.Rank}, alpha {l.Alpha:0.##}{(l.UseRsLora ? " (rsLoRA)" : "")}" : "")}");
        sb.AppendLine(ci, $"  memory     {MemoryText()}");
        sb.AppendLine(ci, $"  batch      {MicroBatchSize} rows × {SeqLength} tokens × {AccumulationSteps} accumulation × {WorldSize} process(es) = {GlobalBatchTokens:N0} tokens/step");
        if (WorldSize > 1) sb.AppendLine(ci, $"  ranks      {ParallelText()}");
        sb.AppendLine(ci, $"  length     {Steps:N0} steps = {TokenCounts.Format(Tokens)} tokens; schedule {YamlSection.SnakeCase(Config.Schedule.Type.ToString())}, lr {Config.Optimizer.Lr:G3} → {Config.Optimizer.MinLr:G3}, warm-up {Config.Schedule.WarmupSteps:N0} steps");
        sb.AppendLine(ci, $"  checkpoint every {(Config.Checkpoint.Interval > 0 ? Config.Checkpoint.Interval.ToString("N0", ci) + " steps" : "— (end and signals only)")}, {Bytes(CheckpointBytes)} each, up to {CheckpointsKept} on disk + final model = {Bytes(DiskNeeded)} of {Bytes(DiskFree)} free{(DiskReclaimable > 0 ? $" + {Bytes(DiskReclaimable)} held by this run's checkpoints" : "")}");
        if (SecondsPerStep is { } sps)
            sb.AppendLine(ci, $"  speed      {sps:0.###} s/step measured ({GlobalBatchTokens / sps:N0} tokens/s) → ETA {FormatDuration(sps * Steps)}");
        sb.Append(Data.ToText());
        return sb.ToString();
    }

    public static string FormatDuration(double seconds) =>
        seconds < 60 ? $"{seconds:0}s" : seconds < 3600 ? $"{(int)(seconds / 60)}m{(int)(seconds % 60):00}s" : $"{(int)(seconds / 3600)}h{(int)(seconds % 3600 / 60):00}m";

    public void Dispose() => Data.Dispose();
}
