using Tsumugi.Datasets.Sampling;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Config;

/// <summary>YAML tree → <see cref="TrainConfig"/>; every section refuses unknown keys.</summary>
internal sealed class TrainConfigReader(string source, string baseDirectory)
{
    static readonly string[] RootKeys = ["seed", "model", "data", "train", "optimizer", "schedule", "checkpoint", "eval", "guard", "log"];
    static readonly string[] ModelKeys = ["preset", "config", "from", "tokenizer", "vocab_size", "dtype"];
    static readonly string[] PathDataKeys = ["path", "packing", "validation_fraction", "max_epochs"];
    static readonly string[] CurriculumDataKeys = ["packing", "shuffle", "pad_id", "append_eos_id", "validation_fraction", "datasets", "stages"];
    static readonly string[] TrainKeys = ["seq_length", "micro_batch_size", "global_batch_tokens", "max_steps", "tokens", "grad_clip", "z_loss", "attention_reset", "device", "threads"];
    static readonly string[] OptimizerKeys = ["lr", "min_lr", "beta1", "beta2", "eps", "weight_decay"];
    static readonly string[] ScheduleKeys = ["type", "warmup_steps", "decay_fraction"];
    static readonly string[] CheckpointKeys = ["interval", "keep_last", "keep_every"];
    static readonly string[] EvalKeys = ["interval", "max_rows"];
    static readonly string[] GuardKeys = ["enabled", "window", "min_history", "loss_sigma", "grad_sigma", "action", "skip_steps", "max_rollbacks"];
    static readonly string[] LogKeys = ["interval", "tensorboard", "peak_flops"];

    public TrainConfig Read(YamlMappingNode root)
    {
        var top = new YamlSection(root, source, "", RootKeys);
        if (!top.Has("model")) throw new TrainConfigException($"{source}: missing 'model' (preset, config or from)");
        if (!top.Has("data")) throw new TrainConfigException($"{source}: missing 'data' (path, curriculum, or datasets + stages)");
        return new TrainConfig
        {
            Source = source,
            BaseDirectory = baseDirectory,
            Seed = top.Long("seed", 1234),
            Model = ReadModel(top.Section("model", ModelKeys)),
            Data = ReadData(top.Node("data")!),
            Train = ReadTrain(top.Section("train", TrainKeys)),
            Optimizer = ReadOptimizer(top.Section("optimizer", OptimizerKeys)),
            Schedule = ReadSchedule(top.Section("schedule", ScheduleKeys)),
            Checkpoint = ReadCheckpoint(top.Section("checkpoint", CheckpointKeys)),
            Eval = ReadEval(top.Section("eval", EvalKeys)),
            Guard = ReadGuard(top.Section("guard", GuardKeys)),
            Log = ReadLog(top.Section("log", LogKeys)),
            EffectiveYaml = "",
        };
    }

    ModelSettings ReadModel(YamlSection s)
    {
        var model = new ModelSettings
        {
            Preset = s.String("preset"),
            ConfigPath = s.PathValue("config", baseDirectory),
            From = s.PathValue("from", baseDirectory),
            Tokenizer = s.PathValue("tokenizer", baseDirectory),
            VocabSize = s.String("vocab_size") is { } v && v != "auto" ? s.Long("vocab_size", 0, 1, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture) : s.String("vocab_size"),
            Dtype = s.Has("dtype") ? s.Choice("dtype", "float32", "float32", "bfloat16") : null,
        };
        var sources = new[] { model.Preset, model.ConfigPath, model.From }.Count(v => v is not null);
        if (sources != 1) throw s.Error("preset", "give exactly one of model.preset, model.config (an HF config.json) or model.from (an HF model directory)");
        if (model.VocabSize is not null && (model.From is not null || model.Tokenizer is not null))
            throw s.Error("vocab_size", "model.vocab_size applies to a preset or config without a tokenizer (with a tokenizer or model.from the vocabulary comes from them)");
        return model;
    }

    DataSettings ReadData(YamlNode node)
    {
        // A curriculum (file or inline) is read by the data layer later; here only the form is decided.
        if (node is YamlMappingNode map && map.Children.ContainsKey(new YamlScalarNode("curriculum")))
        {
            var s = new YamlSection(node, source, "data", ["curriculum"]);
            return new DataSettings { CurriculumFile = s.PathValue("curriculum", baseDirectory) };
        }
        if (node is YamlMappingNode inline && inline.Children.ContainsKey(new YamlScalarNode("datasets")))
        {
            _ = new YamlSection(node, source, "data", CurriculumDataKeys);
            return new DataSettings { Inline = inline };
        }
        var d = new YamlSection(node, source, "data", PathDataKeys);
        if (d.String("path") is null or "") throw d.Error("path", "set data.path (a .bin/.idx prefix or a directory of them; e.g. --set data.path=DIR), data.curriculum, or datasets + stages");
        return new DataSettings
        {
            Path = d.PathValue("path", baseDirectory),
            Packing = d.Choice("packing", "concat", "concat", "best_fit") == "best_fit" ? PackingMode.BestFit : PackingMode.Concat,
            ValidationFraction = d.Double("validation_fraction", 0, 0, 0.5),
            MaxEpochs = d.Has("max_epochs") ? d.Double("max_epochs", 1, 1e-9) : double.PositiveInfinity,
        };
    }

    static TrainSettings ReadTrain(YamlSection s) => new()
    {
        SeqLength = s.Int("seq_length", 512, 1),
        MicroBatchSize = s.Int("micro_batch_size", 8, 1),
        GlobalBatchTokens = s.Tokens("global_batch_tokens"),
        MaxSteps = s.OptionalLong("max_steps"),
        Tokens = s.Tokens("tokens"),
        GradClip = s.Double("grad_clip", 1.0, 0),
        ZLoss = s.Double("z_loss", 0, 0),
        AttentionReset = s.Bool("attention_reset", false),
        Device = s.Choice("device", "auto", "auto", "cpu", "cuda"),
        Threads = s.Int("threads", 0, 0, 1024),
    };

    static OptimizerSettings ReadOptimizer(YamlSection s)
    {
        var o = new OptimizerSettings
        {
            Lr = s.Double("lr", 3e-4, 0),
            Beta1 = s.Double("beta1", 0.9, 0, 0.999999),
            Beta2 = s.Double("beta2", 0.95, 0, 0.999999),
            Eps = s.Double("eps", 1e-8, 0),
            WeightDecay = s.Double("weight_decay", 0.1, 0),
        };
        o = o with { MinLr = s.Double("min_lr", o.Lr / 10, 0) };
        if (o.MinLr > o.Lr) throw s.Error("min_lr", $"min_lr {o.MinLr} is above lr {o.Lr}");
        return o;
    }

    static ScheduleSettings ReadSchedule(YamlSection s) => new()
    {
        Type = s.Choice("type", "cosine", "cosine", "wsd", "linear", "constant"),
        WarmupSteps = s.Long("warmup_steps", 0),
        DecayFraction = s.Double("decay_fraction", 0.1, 1e-9, 1),
    };

    static CheckpointSettings ReadCheckpoint(YamlSection s) => new()
    {
        Interval = s.Long("interval", 1000),
        KeepLast = s.Int("keep_last", 2, 1),
        KeepEvery = s.Long("keep_every", 0),
    };

    static EvalSettings ReadEval(YamlSection s) => new()
    {
        Interval = s.Long("interval", 1000),
        MaxRows = s.Int("max_rows", 32),
    };

    static GuardSettings ReadGuard(YamlSection s) => new()
    {
        Enabled = s.Bool("enabled", true),
        Window = s.Int("window", 100, 2),
        MinHistory = s.Int("min_history", 20, 2),
        LossSigma = s.Double("loss_sigma", 6, 0.5),
        GradSigma = s.Double("grad_sigma", 6, 0.5),
        Action = s.Choice("action", "skip", "skip", "rollback"),
        SkipSteps = s.Long("skip_steps", 200),
        MaxRollbacks = s.Int("max_rollbacks", 5),
    };

    static LogSettings ReadLog(YamlSection s) => new()
    {
        Interval = s.Long("interval", 10, 1),
        TensorBoard = s.Bool("tensorboard", true),
        PeakFlops = s.Double("peak_flops", 0, 0),
    };
}
