namespace Tsumugi.Generation.Engine;

/// <summary>Which decoder runs generation (<c>--engine</c>).</summary>
public enum DecodeEngineKind
{
    /// <summary>The libtorch model (TorchSharp) for every step: the reference path, and the only one for GPUs, adapters, MoE and Gemma 2.</summary>
    Torch,
    /// <summary><see cref="NativeEngine"/>; a model it cannot run is an error naming why.</summary>
    Native,
    /// <summary>
    /// <see cref="NativeEngine"/> where it supports the model and is the faster decoder — f16, bf16 or Q8_0 weights, and
    /// f32 when several sequences decode together (<see cref="PretrainedModelOptions.BatchedDecoding"/>) — torch otherwise
    /// (<see cref="PretrainedModel.EngineNote"/> says why).
    /// </summary>
    Auto,
}
