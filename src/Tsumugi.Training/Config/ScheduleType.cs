namespace Tsumugi.Training.Config;

/// <summary><c>schedule.type</c> (and a curriculum stage's own <c>lr.schedule</c>): the learning-rate shape.</summary>
public enum ScheduleType
{
    /// <summary>Warm-up, then cosine to min_lr.</summary>
    Cosine,

    /// <summary>Warm-up, stable, linear decay over the last <c>decay_fraction</c> (MiniCPM).</summary>
    Wsd,

    /// <summary>Warm-up, then linear to min_lr.</summary>
    Linear,

    /// <summary>Warm-up, then the peak.</summary>
    Constant,
}
