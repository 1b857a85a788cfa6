using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Engine;
using static TorchSharp.torch;

namespace Tsumugi.Generation;

/// <summary>How <see cref="PretrainedModel.Load"/> loads a model directory; every property defaults to what the directory says.</summary>
public sealed record PretrainedModelOptions
{
    /// <summary>The dtype the weights are held in (files in F32/F16/BF16 are converted on load).</summary>
    public ScalarType Dtype { get; init; } = ScalarType.Float32;

    /// <summary>Where the weights live; null keeps them on the CPU.</summary>
    public Device? Device { get; init; }

    /// <summary>
    /// A built-in chat format to render chats in instead of the directory's own chat_template (<c>--chat-format</c>);
    /// null renders the directory's template and detects the format for stops from it (<see cref="ChatPrompt.Detect"/>).
    /// </summary>
    public ChatPromptFormat? ChatFormat { get; init; }

    /// <summary>The model's name in results and on the API; null uses the directory's name (with an adapter, "model+adapter").</summary>
    public string? Name { get; init; }

    /// <summary>
    /// A PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors) applied on the fly, without
    /// merging; null runs the base model. An adapter for another base model fails the load, naming the tensor.
    /// </summary>
    public string? Adapter { get; init; }

    /// <summary>
    /// The decoder for generation. Torch by default, so a model whose weights go on changing is never decoded from a
    /// stale packed copy; what loads a model only to generate from it asks for Auto (the CLI's generate, chat, serve,
    /// eval and synth, online DPO's sampling from each iteration's saved policy).
    /// </summary>
    public DecodeEngineKind Engine { get; init; } = DecodeEngineKind.Torch;

    /// <summary>
    /// The caller decodes several sequences per step, mostly new tokens rather than prompts (a server, online DPO's
    /// sampling): under Auto the native engine then takes f32 weights too, where a step of 8 rows gives ~2× torch's
    /// tokens/s (docs/BENCHMARKS.md, "Native decode engine"). One sequence at a time, Auto keeps f32 on torch: as fast
    /// there, without the engine's packed copy of the weights (+4 bytes a parameter).
    /// </summary>
    public bool BatchedDecoding { get; init; }

    /// <summary>How the native engine packs the weights; null follows <see cref="Dtype"/> (float32 → F32, float16 → F16, bfloat16 → BF16).</summary>
    public WeightFormat? EngineWeights { get; init; }

    /// <summary>The native engine's threads; null takes libtorch's thread count (what torch decoding would use).</summary>
    public int? EngineThreads { get; init; }
}
