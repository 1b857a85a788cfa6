namespace Tsumugi.Training.Config;

/// <summary><c>train.device</c>.</summary>
public enum TrainDevice
{
    /// <summary>CUDA when available, else the CPU.</summary>
    Auto,
    Cpu,
    Cuda,
}
