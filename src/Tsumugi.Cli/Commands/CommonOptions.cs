using System.CommandLine;
using Tsumugi.Generation.Chat;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// The flags several commands share, defined once so that a flag means the same everywhere: same name, type, default and,
/// where the meaning is the same, the same help text. A System.CommandLine option belongs to one command, so each
/// factory returns a new instance; where a command's help says more precisely what it reads or writes, it passes its own
/// description.
/// </summary>
internal static class CommonOptions
{
    /// <summary>What generate, chat, serve and eval read with --model.</summary>
    public const string ModelDescription = "Model directory (HF layout with tokenizer.model).";

    /// <summary>On the root command and every subcommand (recursive), so it can be given anywhere on the line.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print stack traces and extra diagnostics on failure.",
        Recursive = true,
    };

    /// <summary>--model: the model directory a command reads (required).</summary>
    public static Option<string> Model(string description = ModelDescription, string? helpName = null) =>
        new("--model") { Description = description, Required = true, HelpName = helpName };

    /// <summary>--model-name: the name a model goes by instead of its directory's name.</summary>
    public static Option<string?> ModelName(string description) => new("--model-name") { Description = description };

    /// <summary>--output: what a command writes; required unless <paramref name="required"/> is false (then give it a default).</summary>
    public static Option<string> Output(string description, string? helpName = null, bool required = true) =>
        new("--output") { Description = description, Required = required, HelpName = helpName };

    /// <summary>--output for commands that print their result and write a file only when asked.</summary>
    public static Option<string?> OptionalOutput(string description, string? helpName = null) =>
        new("--output") { Description = description, HelpName = helpName };

    /// <summary>--input: one required path.</summary>
    public static Option<string> Input(string description) => new("--input") { Description = description, Required = true };

    /// <summary>--input: files, folders or globs, several after one flag.</summary>
    public static Option<string[]> Inputs(string description, bool required = true, string? helpName = null) =>
        new("--input") { Description = description, Required = required, AllowMultipleArgumentsPerToken = true, HelpName = helpName };

    /// <summary>--tokenizer: one required tokenizer directory or .model file.</summary>
    public static Option<string> Tokenizer(string description, string? helpName = null) =>
        new("--tokenizer") { Description = description, Required = true, HelpName = helpName };

    /// <summary>--tokenizer: an optional tokenizer directory.</summary>
    public static Option<string?> OptionalTokenizer(string description) => new("--tokenizer") { Description = description };

    /// <summary>--tokenizer: several tokenizers, several after one flag.</summary>
    public static Option<string[]> Tokenizers(string description) =>
        new("--tokenizer") { Description = description, Required = true, AllowMultipleArgumentsPerToken = true };

    /// <summary>--threads: worker threads, by default one per core.</summary>
    public static Option<int> Threads(string description = "Worker threads.", string? helpName = null, int? defaultValue = null) =>
        new("--threads") { Description = description, DefaultValueFactory = _ => defaultValue ?? Environment.ProcessorCount, HelpName = helpName };

    /// <summary>--workers: parallel workers, by default all cores (null).</summary>
    public static Option<int?> Workers(string description) => new("--workers") { Description = description };

    /// <summary>
    /// --dtype of the weights a model is run in. float16 halves the bytes read per token, which is what bounds one
    /// stream's decode speed on a CPU (measured ~1.7× faster, docs/BENCHMARKS.md), but libtorch's CPU float16 matrix
    /// products with many rows (prompt prefill) are slower than float32: a long prompt takes longer to read in.
    /// </summary>
    public static Option<string> Dtype(
        string description = "Weights in float32 (default, exact) or float16 (faster single-stream decode on CPU, slower prompt prefill).") =>
        new("--dtype") { Description = description, DefaultValueFactory = _ => "float32" };

    /// <summary>--engine: which decoder generation runs on (<see cref="Tsumugi.Generation.Engine.DecodeEngineKind"/>).</summary>
    public static Option<string> Engine(
        string description = "Decoder: auto (the native engine for f16/bf16/q8_0 weights, and for f32 where several sequences decode together, on models it runs; torch otherwise), native, or torch.") => new("--engine")
    {
        Description = description,
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>--weights: the native engine's weight format (<see cref="Tsumugi.Generation.Engine.WeightFormat"/>).</summary>
    public static Option<string?> EngineWeights() => new("--weights")
    {
        Description = "Native engine weights: f32, f16, bf16 or q8_0 (llama.cpp's Q8_0 blocks; fastest). Default: as --dtype.",
    };

    /// <summary>--engine and --weights as load options; an unknown value is a usage error naming the choices.</summary>
    public static (Tsumugi.Generation.Engine.DecodeEngineKind Kind, Tsumugi.Generation.Engine.WeightFormat? Weights) ParseEngine(string engine, string? weights)
    {
        var kind = engine.ToLowerInvariant() switch
        {
            "auto" => Tsumugi.Generation.Engine.DecodeEngineKind.Auto,
            "native" => Tsumugi.Generation.Engine.DecodeEngineKind.Native,
            "torch" => Tsumugi.Generation.Engine.DecodeEngineKind.Torch,
            _ => throw new ArgumentException($"--engine '{engine}' is not one of auto, native, torch."),
        };
        Tsumugi.Generation.Engine.WeightFormat? format = weights?.ToLowerInvariant() switch
        {
            null => null,
            "f32" => Tsumugi.Generation.Engine.WeightFormat.F32,
            "f16" => Tsumugi.Generation.Engine.WeightFormat.F16,
            "bf16" => Tsumugi.Generation.Engine.WeightFormat.BF16,
            "q8_0" => Tsumugi.Generation.Engine.WeightFormat.Q8_0,
            _ => throw new ArgumentException($"--weights '{weights}' is not one of f32, f16, bf16, q8_0."),
        };
        if (format is not null && kind == Tsumugi.Generation.Engine.DecodeEngineKind.Torch)
            throw new ArgumentException("--weights applies to the native engine; drop it or use --engine auto/native.");
        return (kind, format);
    }

    /// <summary>--device: the torch device a model runs on.</summary>
    public static Option<string> Device() => new("--device") { Description = "Torch device: cpu, cuda, cuda:1 …", DefaultValueFactory = _ => "cpu" };

    /// <summary>--adapter: a PEFT LoRA adapter applied on top of --model without merging (PretrainedModelOptions.Adapter).</summary>
    public static Option<string?> Adapter() => new("--adapter")
    {
        Description = "LoRA adapter directory (PEFT layout: adapter_config.json + adapter_model.safetensors) applied on top of --model without merging.",
        HelpName = "DIR",
    };

    /// <summary>--batch-size: rows per forward pass, 8 by default.</summary>
    public static Option<int> BatchSize(string description) => new("--batch-size") { Description = description, DefaultValueFactory = _ => 8 };

    /// <summary>--chat-format: a built-in template instead of the model directory's own chat_template.</summary>
    public static Option<string?> ChatFormat() => new("--chat-format")
    {
        Description = $"Render chats in a built-in format instead of the model's chat_template: {ChatPrompt.FormatNames} "
            + "(default: the chat_template of tokenizer_config.json or chat_template.jinja; none: instruction).",
    };
}
