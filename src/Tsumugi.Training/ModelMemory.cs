using System.Globalization;
using Tsumugi.Modeling;
using Tsumugi.Training.Config;
using static TorchSharp.torch;

namespace Tsumugi.Training;

/// <summary>
/// Refuses a model that cannot fit in memory before a byte of it is allocated: every run builds the model on the
/// host in fp32 first, and a CPU run also holds gradients and AdamW's two moments there. Without this check an
/// absurd size (vocab 1e9 × hidden 1e6) reaches libtorch's allocator and ends in a native stack dump.
/// </summary>
internal static class ModelMemory
{
    /// <summary>fp32 weights + gradients + AdamW exp_avg and exp_avg_sq, per parameter (activations not counted).</summary>
    private const int CpuTrainingBytesPerParameter = 16;

    /// <summary>Checks the config's sizes and the memory they need; returns the bytes the host build takes.</summary>
    public static long Check(TrainConfig config, LlamaConfig model)
    {
        try
        {
            model.Validate($"{config.Source}: model");
        }
        catch (InvalidDataException e)
        {
            throw new TrainConfigException(e.Message);
        }
        if (config.Train.GradientCheckpointing && model.IsMoE)
            throw new TrainConfigException($"{config.Source}: train.gradient_checkpointing is not supported for MoE models (model num_local_experts {model.NumLocalExperts}): the router logits would carry no gradient to the aux loss; set gradient_checkpointing: false.");
        var parameters = ModelAccounting.For(model).TotalParameters; // Validate guarantees this does not overflow
        var onCpu = config.Train.Device == TrainDevice.Cpu || (config.Train.Device == TrainDevice.Auto && !cuda.is_available());
        var perParameter = onCpu ? CpuTrainingBytesPerParameter + (config.Model.Dtype == ParameterDtype.Bfloat16 ? 4 : 0) : 4;
        var needed = (double)parameters * perParameter;
        var available = Available();
        if (needed > available)
        {
            var what = onCpu ? "weights, gradients and AdamW moments for training on the CPU" : "fp32 weights while the model is built on the host";
            throw new TrainConfigException(string.Create(CultureInfo.InvariantCulture,
                $"{config.Source}: the model ({model.ModelType}: vocab {model.VocabSize:N0}, hidden {model.HiddenSize:N0}, intermediate {model.IntermediateSize:N0}, {model.NumHiddenLayers} layers) has {parameters:N0} parameters = {RunPlan.Bytes(needed)} of {what}, but this machine has {RunPlan.Bytes(available)} of memory available; choose a smaller model (model.preset, or the sizes in model.config)"));
        }
        return parameters * 4L;
    }

    /// <summary>Linux: MemAvailable (free + reclaimable cache); elsewhere the runtime's view of physical memory.</summary>
    private static double Available()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    return 1024.0 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            // No /proc: fall through.
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }
}
