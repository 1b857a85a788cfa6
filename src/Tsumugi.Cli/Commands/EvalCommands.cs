using System.CommandLine;
using Spectre.Console;
using Tsumugi.Generation;
using Tsumugi.Generation.Engine;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi eval prepare | perplexity | tasks | english | judge | arena | sweep | report`. Each subcommand lives in its own EvalCommands.*.cs file and adds
/// itself through one partial hook, so the group reads as the list of what evaluation can do.
/// </summary>
public static partial class EvalCommands
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "eval";
    internal const string Description =
        "Evaluate models: llm-jp-eval datasets and tasks, perplexity, an English suite, MT-Bench judging and arenas, checkpoint sweeps, side-by-side reports.";

    public static Command Create()
    {
        var group = new Command(Name, Description);
        AddPrepare(group);
        AddPerplexity(group);
        AddTasks(group);
        AddEnglish(group);
        AddJudge(group);
        AddArena(group);
        AddSweep(group);
        AddReport(group);
        return group;
    }

    static partial void AddPrepare(Command group);
    static partial void AddPerplexity(Command group);
    static partial void AddTasks(Command group);
    static partial void AddEnglish(Command group);
    static partial void AddJudge(Command group);
    static partial void AddArena(Command group);
    static partial void AddSweep(Command group);
    static partial void AddReport(Command group);

    /// <summary>--engine's help for the subcommands that generate (<see cref="LoadForEval(string, string, string?, ValueTuple{DecodeEngineKind, WeightFormat?}, string?)"/>).</summary>
    const string EngineDescription =
        "Decoder of the generations: auto (torch for f32 weights; the native engine for --weights f16/bf16/q8_0), native (the native engine, f32 included), or torch.";

    /// <summary>A model directory (with its --adapter, if any) on the --device the scoring subcommands run on.</summary>
    static PretrainedModel LoadForEval(string directory, string device, string? adapter) =>
        PretrainedModel.Load(directory, new PretrainedModelOptions { Device = new TorchSharp.torch.Device(device), Adapter = adapter });

    /// <summary>
    /// <see cref="LoadForEval(string, string, string?)"/> for subcommands that also generate, on the decoder --engine and
    /// --weights pick. Not <see cref="PretrainedModelOptions.BatchedDecoding"/> although prompts decode in batches:
    /// few-shot prompts make eval's generation mostly prefill, where libtorch's GEMM is ahead of the engine's, and at
    /// f32 the two measured level end to end (docs/BENCHMARKS.md, "The engine's load, and the loops that decode batches").
    /// </summary>
    static PretrainedModel LoadForEval(string directory, string device, string? adapter, (DecodeEngineKind Kind, WeightFormat? Weights) decoder, string? name = null)
    {
        var model = PretrainedModel.Load(directory, new PretrainedModelOptions
        {
            Device = new TorchSharp.torch.Device(device), Adapter = adapter, Name = name, Engine = decoder.Kind, EngineWeights = decoder.Weights,
        });
        Console.Error.WriteLine($"[generation decoder: {model.Decoder}]");
        return model;
    }

    /// <summary>The progress display of the long-running subcommands; cleared when done, the result table follows.</summary>
    static Progress Progress() => AnsiConsole.Progress().AutoClear(true)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn());
}
