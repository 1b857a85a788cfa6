using System.CommandLine;
using Spectre.Console;
using Tsumugi.Generation;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi eval perplexity | tasks | judge | report`. Each subcommand lives in its own EvalCommands.*.cs file and adds
/// itself through one partial hook, so the group reads as the list of what evaluation can do.
/// </summary>
public static partial class EvalCommands
{
    public static Command Create()
    {
        var group = new Command("eval", "Evaluate models: perplexity, llm-jp-eval-format tasks, multiple choice, MT-Bench-style judging, side-by-side reports.");
        AddPerplexity(group);
        AddTasks(group);
        AddEnglish(group);
        AddJudge(group);
        AddArena(group);
        AddReport(group);
        AddSweep(group);
        AddPrepare(group);
        return group;
    }

    static partial void AddPerplexity(Command group);
    static partial void AddTasks(Command group);
    static partial void AddEnglish(Command group);
    static partial void AddJudge(Command group);
    static partial void AddArena(Command group);
    static partial void AddReport(Command group);
    static partial void AddSweep(Command group);
    static partial void AddPrepare(Command group);

    /// <summary>A model directory (with its --adapter, if any) on the --device the scoring subcommands run on.</summary>
    static PretrainedModel LoadForEval(string directory, string device, string? adapter) =>
        PretrainedModel.Load(directory, new PretrainedModelOptions { Device = new TorchSharp.torch.Device(device), Adapter = adapter });

    /// <summary>The progress display of the long-running subcommands; cleared when done, the result table follows.</summary>
    static Progress Progress() => AnsiConsole.Progress().AutoClear(true)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn());
}
