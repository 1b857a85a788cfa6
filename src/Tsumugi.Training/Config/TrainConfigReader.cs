using Tsumugi.Common.Config;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Datasets.Sft;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Config;

/// <summary>
/// YAML tree → <see cref="TrainConfig"/>; every section refuses unknown keys. The allowed keys are the settings
/// records' properties (<see cref="ConfigKeys"/>) and the defaults their initialisers, so neither is restated here;
/// enums are parsed here once, so the loop never compares strings.
/// </summary>
internal sealed class TrainConfigReader(string source, string baseDirectory, RunKind kind)
{
    static readonly IReadOnlyList<string> DataKeys = ConfigKeys.Of<DataSettings>();

    /// <summary>Beside a <c>data.curriculum</c> file: packing and the held-out share may be set per run (they override the file's).</summary>
    static readonly string[] CurriculumFileKeys = ["curriculum", "packing", "validation_fraction"];

    static readonly string[] PathDataKeys = DataKeys.Except(["curriculum"]).ToArray();

    public TrainConfig Read(YamlMappingNode root)
    {
        var top = Section(root, "", ConfigKeys.Of<TrainConfig>());
        if (!top.Has("model")) throw new TrainConfigException($"{source}: missing 'model' (preset, config or from)");
        var online = kind == RunKind.OnlinePreference;
        if (online && top.Has("data")) throw top.Error("data", "an online run writes each iteration's pairs itself: give its prompts as online.prompts instead of a data section");
        if (!online && top.Has("online")) throw top.Error("online", "the online section belongs to `tsumugi dpo online --config`");
        if (online && !top.Has("online")) throw new TrainConfigException($"{source}: missing 'online' (prompts, samples_per_prompt, reward, …: see configs/dpo-online-tiny.yaml)");
        if (!online && !top.Has("data"))
            throw new TrainConfigException(kind switch
            {
                RunKind.Sft => $"{source}: missing 'data' (paths of the instruction files)",
                RunKind.Preference => $"{source}: missing 'data' (paths of the preference files)",
                _ => $"{source}: missing 'data' (path, curriculum, or datasets + stages)",
            });
        if (kind != RunKind.Sft && top.Has("sft")) throw top.Error("sft", "the sft section belongs to an SFT run: use `tsumugi sft --config`");
        var preference = kind is RunKind.Preference or RunKind.OnlinePreference;
        if (!preference && top.Has("dpo")) throw top.Error("dpo", "the dpo section belongs to a preference run: use `tsumugi dpo --config`");
        var config = new TrainConfig
        {
            Source = source,
            BaseDirectory = baseDirectory,
            Seed = top.Long("seed", TrainConfig.DefaultSeed),
            Model = ReadModel(top.Section("model", ConfigKeys.Of<ModelSettings>())),
            Data = kind switch
            {
                RunKind.Sft => ReadSftData(top.Node("data")!),
                RunKind.Preference => ReadPreferenceData(top.Node("data")!),
                RunKind.OnlinePreference => new DataSettings(),
                _ => ReadData(top.Node("data")!),
            },
            Train = ReadTrain(top.Section("train", ConfigKeys.Of<TrainSettings>())),
            Optimizer = ReadOptimizer(top.Section("optimizer", ConfigKeys.Of<OptimizerSettings>())),
            Schedule = ReadSchedule(top.Section("schedule", ConfigKeys.Of<ScheduleSettings>())),
            Checkpoint = ReadCheckpoint(top.Section("checkpoint", ConfigKeys.Of<CheckpointSettings>())),
            Eval = ReadEval(top.Section("eval", ConfigKeys.Of<EvalSettings>())),
            Guard = ReadGuard(top.Section("guard", ConfigKeys.Of<GuardSettings>())),
            Log = ReadLog(top.Section("log", ConfigKeys.Of<LogSettings>())),
            Parallel = ReadParallel(top.Section("parallel", ConfigKeys.Of<ParallelSettings>())),
            Sft = kind == RunKind.Sft ? ReadSft(top.Section("sft", ConfigKeys.Of<SftSettings>())) : null,
            Dpo = preference ? DpoYaml.Read(top.Section("dpo", DpoYaml.Keys), baseDirectory) : null,
            Online = online ? OnlineYaml.Read(top.Section("online", OnlineYaml.Keys), source, baseDirectory) : null,
            Lora = top.Has("lora") ? LoraYaml.Read(top.Node("lora")!, source) : null,
            EffectiveYaml = "",
        };
        if (config.Dpo is { Reference: ReferenceSource.AdapterOff } && config.Lora is null)
            throw top.Error("dpo", "dpo.reference: adapter_off scores the reference with the LoRA adapter switched off, so it needs a lora: section; use reference: precomputed for full training");
        if (config.Online is { MoveReference: false } && config.Dpo is { Reference: ReferenceSource.AdapterOff })
            throw top.Error("online", "online.move_reference: false keeps the first policy as the reference, which is scored once per iteration (dpo.reference: precomputed); with adapter_off the reference is always the iteration's starting model");
        if (config.Dpo is { Reference: ReferenceSource.AdapterOff, ReferenceModel: not null })
            throw top.Error("dpo", "dpo.reference_model is scored once before training (reference: precomputed); with reference: adapter_off the reference is the base under the adapter");
        return config;
    }

    YamlSection Section(YamlNode node, string path, IReadOnlyCollection<string>? allowed) =>
        new(node, source, path, allowed, message => new TrainConfigException(message));

    ModelSettings ReadModel(YamlSection s)
    {
        var auto = s.String("vocab_size") == "auto";
        var model = new ModelSettings
        {
            Preset = s.String("preset"),
            ConfigPath = s.PathValue("config", baseDirectory),
            From = s.PathValue("from", baseDirectory),
            Tokenizer = s.PathValue("tokenizer", baseDirectory),
            VocabSize = auto || !s.Has("vocab_size") ? null : s.Int("vocab_size", 0, 1),
            VocabSizeFromData = auto,
            Dtype = s.Has("dtype") ? s.Enum("dtype", ParameterDtype.Float32) : null,
        };
        var sources = new[] { model.Preset, model.ConfigPath, model.From }.Count(v => v is not null);
        if (sources != 1) throw s.Error("preset", "give exactly one of model.preset, model.config (an HF config.json) or model.from (an HF model directory)");
        if (s.Has("vocab_size") && (model.From is not null || model.Tokenizer is not null))
            throw s.Error("vocab_size", "model.vocab_size applies to a preset or config without a tokenizer (with a tokenizer or model.from the vocabulary comes from them)");
        return model;
    }

    DataSettings ReadSftData(YamlNode node)
    {
        if (node is not YamlMappingNode map) throw Section(node, "data", null).Error(node, "data: expected a mapping with paths (the instruction files)");
        try
        {
            return new DataSettings { Sft = SftDataConfig.FromYaml(map, source, baseDirectory, "data") };
        }
        catch (SftDataException e)
        {
            throw new TrainConfigException(e.Message);
        }
    }

    DataSettings ReadPreferenceData(YamlNode node)
    {
        if (node is not YamlMappingNode map) throw Section(node, "data", null).Error(node, "data: expected a mapping with paths (the preference files)");
        try
        {
            return new DataSettings { Preference = Datasets.Preference.PreferenceDataConfig.FromYaml(map, source, baseDirectory, "data") };
        }
        catch (Datasets.Preference.PreferenceDataException e)
        {
            throw new TrainConfigException(e.Message);
        }
    }

    static SftSettings ReadSft(YamlSection s)
    {
        var d = new SftSettings();
        return new SftSettings
        {
            LossOn = s.Enum("loss_on", d.LossOn),
            ChatTemplate = s.String("chat_template"),
            Epochs = s.Double("epochs", d.Epochs, 1e-9),
            NeftuneAlpha = s.Double("neftune_alpha", d.NeftuneAlpha, 0),
            Samples = s.Int("samples", d.Samples, 0, 1000),
            SampleMaxTokens = s.Int("sample_max_tokens", d.SampleMaxTokens, 1),
        };
    }

    DataSettings ReadData(YamlNode node)
    {
        if (node is YamlMappingNode paths && paths.Children.ContainsKey(new YamlScalarNode("paths")))
            throw Section(node, "data", null).Error("paths", "instruction data (data.paths) trains with `tsumugi sft`; `tsumugi train` reads tokenized datasets (data.path, data.curriculum)");
        // A curriculum (file or inline) is read by the data layer later; here only the form is decided.
        if (node is YamlMappingNode map && map.Children.ContainsKey(new YamlScalarNode("curriculum")))
        {
            var s = Section(node, "data", CurriculumFileKeys);
            return new DataSettings
            {
                CurriculumFile = s.PathValue("curriculum", baseDirectory),
                Packing = s.Has("packing") ? s.Enum("packing", PackingMode.Concat) : null,
                ValidationFraction = s.Has("validation_fraction") ? s.Double("validation_fraction", 0, 0, 0.5) : null,
            };
        }
        if (node is YamlMappingNode inline && inline.Children.ContainsKey(new YamlScalarNode("datasets")))
        {
            _ = Section(node, "data", CurriculumConfig.YamlKeys);
            return new DataSettings { Inline = inline };
        }
        var d = Section(node, "data", PathDataKeys);
        if (d.String("path") is null or "") throw d.Error("path", "set data.path (a .bin/.idx prefix or a directory of them; e.g. --set data.path=DIR), data.curriculum, or datasets + stages");
        var defaults = new DataSettings();
        return new DataSettings
        {
            Path = d.PathValue("path", baseDirectory),
            Packing = d.Has("packing") ? d.Enum("packing", PackingMode.Concat) : null,
            ValidationFraction = d.Has("validation_fraction") ? d.Double("validation_fraction", 0, 0, 0.5) : null,
            MaxEpochs = d.Has("max_epochs") ? d.Double("max_epochs", defaults.MaxEpochs, 1e-9) : defaults.MaxEpochs,
        };
    }

    static TrainSettings ReadTrain(YamlSection s)
    {
        var d = new TrainSettings();
        return new TrainSettings
        {
            SeqLength = s.Int("seq_length", d.SeqLength, 1),
            MicroBatchSize = s.Int("micro_batch_size", d.MicroBatchSize, 1),
            GlobalBatchTokens = s.Tokens("global_batch_tokens") ?? d.GlobalBatchTokens,
            MaxSteps = s.OptionalLong("max_steps") ?? d.MaxSteps,
            Tokens = s.Tokens("tokens") ?? d.Tokens,
            GradClip = s.Double("grad_clip", d.GradClip, 0),
            ZLoss = s.Double("z_loss", d.ZLoss, 0),
            AttentionReset = s.Bool("attention_reset", d.AttentionReset),
            GradientCheckpointing = s.Bool("gradient_checkpointing", d.GradientCheckpointing),
            Device = s.Enum("device", d.Device),
            Threads = s.Int("threads", d.Threads, 0, 1024),
        };
    }

    static OptimizerSettings ReadOptimizer(YamlSection s)
    {
        var d = new OptimizerSettings();
        var o = new OptimizerSettings
        {
            Lr = s.Double("lr", d.Lr, 0),
            Beta1 = s.Double("beta1", d.Beta1, 0, 0.999999),
            Beta2 = s.Double("beta2", d.Beta2, 0, 0.999999),
            Eps = s.Double("eps", d.Eps, 0),
            WeightDecay = s.Double("weight_decay", d.WeightDecay, 0),
        };
        // min_lr follows lr when only lr is given (a tenth of it), not the record's default lr.
        o = o with { MinLr = s.Double("min_lr", o.Lr / 10, 0) };
        if (o.MinLr > o.Lr) throw s.Error("min_lr", $"min_lr {o.MinLr} is above lr {o.Lr}");
        return o;
    }

    static ScheduleSettings ReadSchedule(YamlSection s)
    {
        var d = new ScheduleSettings();
        return new ScheduleSettings
        {
            Type = s.Enum("type", d.Type),
            WarmupSteps = s.Long("warmup_steps", d.WarmupSteps),
            DecayFraction = s.Double("decay_fraction", d.DecayFraction, 1e-9, 1),
        };
    }

    static CheckpointSettings ReadCheckpoint(YamlSection s)
    {
        var d = new CheckpointSettings();
        return new CheckpointSettings
        {
            Interval = s.Long("interval", d.Interval),
            KeepLast = s.Int("keep_last", d.KeepLast, 1),
            KeepEvery = s.Long("keep_every", d.KeepEvery),
        };
    }

    EvalSettings ReadEval(YamlSection s)
    {
        var d = new EvalSettings();
        return new EvalSettings
        {
            Interval = s.Long("interval", d.Interval),
            MaxRows = s.Int("max_rows", d.MaxRows),
            Tasks = ReadTaskPaths(s),
            Shots = s.Has("shots") ? s.Int("shots", 0) : null,
            MaxSamples = s.OptionalLong("max_samples") is { } n ? (int)Math.Min(n, int.MaxValue) : null,
            BatchSize = s.Int("batch_size", d.BatchSize, 1),
            Mode = s.Enum("mode", d.Mode),
        };
    }

    /// <summary>eval.tasks: files or folders, relative to the config; a missing one fails now, not at the first checkpoint.</summary>
    List<string> ReadTaskPaths(YamlSection s)
    {
        var paths = (s.List("tasks") ?? []).Select(p => Path.GetFullPath(p, baseDirectory)).ToList();
        foreach (var path in paths)
            if (!File.Exists(path) && !Directory.Exists(path))
                throw s.Error("tasks", $"{path}: no such task file or folder (llm-jp-eval-format *.json; see docs/evaluation.md)");
        return paths;
    }

    static GuardSettings ReadGuard(YamlSection s)
    {
        var d = new GuardSettings();
        return new GuardSettings
        {
            Enabled = s.Bool("enabled", d.Enabled),
            Window = s.Int("window", d.Window, 2),
            MinHistory = s.Int("min_history", d.MinHistory, 2),
            LossSigma = s.Double("loss_sigma", d.LossSigma, 0.5),
            GradSigma = s.Double("grad_sigma", d.GradSigma, 0.5),
            Action = s.Enum("action", d.Action),
            SkipSteps = s.Long("skip_steps", d.SkipSteps),
            MaxRollbacks = s.Int("max_rollbacks", d.MaxRollbacks),
            MaxSkips = s.Int("max_skips", d.MaxSkips, 1),
            StageGraceSteps = s.Has("stage_grace_steps") ? s.Int("stage_grace_steps", 0) : d.StageGraceSteps,
        };
    }

    static ParallelSettings ReadParallel(YamlSection s)
    {
        var d = new ParallelSettings();
        var zero = s.Int("zero", d.Zero, 0);
        if (zero > 1) throw s.Error("zero", $"zero: {zero} is not supported; 0 (plain data parallelism) or 1 (optimizer state sharded across ranks)");
        return new ParallelSettings { Zero = zero, BucketMb = s.Double("bucket_mb", d.BucketMb, 0.001) };
    }

    static LogSettings ReadLog(YamlSection s)
    {
        var d = new LogSettings();
        return new LogSettings
        {
            Interval = s.Long("interval", d.Interval, 1),
            TensorBoard = s.Bool("tensorboard", d.TensorBoard),
            PeakFlops = s.Double("peak_flops", d.PeakFlops, 0),
        };
    }
}
