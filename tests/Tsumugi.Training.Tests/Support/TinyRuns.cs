using Tsumugi.Training.Config;

namespace Tsumugi.Training.Tests.Support;

/// <summary>configs/tiny.yaml with test-sized overrides.</summary>
public static class TinyRuns
{
    /// <summary>configs/tiny.yaml, the run every training test starts from.</summary>
    public static string TinyConfig => Path.Combine(RepoPaths.Configs, "tiny.yaml");

    /// <summary>The test-sized overrides, also passed as --set to CLI processes so both train the same run.</summary>
    public static string[] Overrides(string dataPath) =>
    [
        $"data.path={dataPath}", "train.max_steps=24", "train.seq_length=64", "train.micro_batch_size=4", "train.global_batch_tokens=512",
        "schedule.warmup_steps=4", "checkpoint.interval=8", "eval.interval=12", "log.peak_flops=1e11",
    ];

    public static TrainConfig Config(string dataPath, params string[] overrides) =>
        TrainConfig.Load(TinyConfig, Overrides(dataPath).Concat(overrides));

    public static Trainer Open(TrainConfig config, string runDirectory, bool resume = false) =>
        Trainer.Open(config, runDirectory, resume, TextWriter.Null);
}
