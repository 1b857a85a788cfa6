using Tsumugi.Training.Config;

namespace Tsumugi.Training.Btm;

/// <summary>One expert ready to train: its spec, its run directory (OUTPUT/experts/NAME) and its complete training config.</summary>
public sealed record BtmExpertRun(BtmExpertSpec Spec, string RunDirectory, TrainConfig TrainConfig)
{
    public string Name => Spec.Name;

    /// <summary>Where the trained expert's HF model directory is written (the trainer's RUN_DIR/model).</summary>
    public string ModelDirectory => Path.Combine(RunDirectory, "model");

    /// <summary>The expert finished in an earlier run (its <see cref="BtmExpertResult.FileName"/> exists).</summary>
    public bool IsTrained => File.Exists(Path.Combine(RunDirectory, BtmExpertResult.FileName)) && File.Exists(Path.Combine(ModelDirectory, "config.json"));
}
