using System.CommandLine;
using Spectre.Console;

namespace Tsumugi.Cli;

/// <summary>
/// The `tsumugi` command: one subcommand group per pipeline stage. Exit codes: 0 ok, 1 failure, 2 usage error.
/// Failures print one line (what, where, what to do); the stack trace only with --verbose.
/// </summary>
public static class CliApp
{
    /// <summary>A stage group: what the root command lists, and the factory that builds its commands.</summary>
    readonly record struct Group(string Name, string Description, Func<Command> Create);

    /// <summary>The stage groups, in pipeline order.</summary>
    static readonly Group[] Groups =
    [
        new(Commands.CorpusCommands.Name, Commands.CorpusCommands.Description, Commands.CorpusCommands.Create),
        new(Commands.TokenizerCommands.Name, Commands.TokenizerCommands.Description, Commands.TokenizerCommands.Create),
        new(Commands.DataCommands.Name, Commands.DataCommands.Description, Commands.DataCommands.Create),
        new(Commands.ModelCommands.Name, Commands.ModelCommands.Description, Commands.ModelCommands.Create),
        new(Commands.TrainCommands.TrainName, Commands.TrainCommands.TrainDescription, Commands.TrainCommands.Create),
        new(Commands.TrainCommands.SftName, Commands.TrainCommands.SftDescription, Commands.TrainCommands.CreateSft),
        new(Commands.TrainCommands.DpoName, Commands.TrainCommands.DpoDescription, Commands.TrainCommands.CreateDpo),
        new(Commands.SynthCommands.Name, Commands.SynthCommands.Description, Commands.SynthCommands.Create),
        new(Commands.EvalCommands.Name, Commands.EvalCommands.Description, Commands.EvalCommands.Create),
        new(Commands.GenerateCommand.Name, Commands.GenerateCommand.Description, Commands.GenerateCommand.Create),
        new(Commands.ChatCommand.Name, Commands.ChatCommand.Description, Commands.ChatCommand.Create),
        new(Commands.ChatTemplateCommands.Name, Commands.ChatTemplateCommands.Description, Commands.ChatTemplateCommands.Create),
        new(Commands.ExportCommands.Name, Commands.ExportCommands.Description, Commands.ExportCommands.Create),
        new(Commands.MergeCommand.Name, Commands.MergeCommand.Description, Commands.MergeCommand.Create),
        new(Commands.BtmCommand.Name, Commands.BtmCommand.Description, Commands.BtmCommand.Create),
        new(Commands.ServeCommand.Name, Commands.ServeCommand.Description, Commands.ServeCommand.Create),
        new(Commands.PipelineCommands.Name, Commands.PipelineCommands.Description, Commands.PipelineCommands.Create),
        new(Commands.DashboardCommand.Name, Commands.DashboardCommand.Description, Commands.DashboardCommand.Create),
        new(Commands.DemoCommand.Name, Commands.DemoCommand.Description, Commands.DemoCommand.Create),
    ];

    /// <summary>
    /// The root command with the commands of the group named <paramref name="only"/> built (all groups when null, none
    /// when it names no group) and every other group as its name and description alone: enough for the root's help,
    /// suggestions for a misspelt group and the usage error for a missing subcommand. Building all ~19 groups (hundreds
    /// of options, and the assemblies behind their defaults) made start-up a noticeable share of a short command such as
    /// `tokenizer encode` (docs/BENCHMARKS.md, issue 25).
    /// </summary>
    internal static RootCommand Build(string? only)
    {
        var root = new RootCommand(
            "Tsumugi — build Japanese LLMs end to end: corpus → tokenizer → data → pretrain → evaluate → serve.\n" +
            "Run `tsumugi demo` for the whole pipeline on a sample corpus, or `tsumugi STAGE --help` for a stage.");
        root.Add(Commands.CommonOptions.Verbose);
        foreach (var group in Groups)
            root.Add(only == null || only == group.Name ? group.Create() : new Command(group.Name, group.Description));
        return root;
    }

    /// <summary>
    /// Which group <see cref="Build"/> needs for a command line: the first word that is not a flag (the root's own
    /// options take no value). "" when there is none (`tsumugi --help`): no group is built. Null when that word names
    /// no group or is a response file (@FILE): every group is built, so the parse is exactly the full tree's.
    /// </summary>
    internal static string? InvokedGroup(string[] args)
    {
        foreach (var arg in args)
        {
            if (arg.StartsWith('-')) continue;
            return Array.Exists(Groups, g => g.Name == arg) ? arg : null;
        }
        return "";
    }

    public static int Run(string[] args)
    {
        Modeling.CpuAllocator.Tune();
        var parse = Build(InvokedGroup(args)).Parse(args);
        bool verbose = parse.GetValue(Commands.CommonOptions.Verbose);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run with --help for usage.");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            ReportFailure(e, verbose);
            return 1;
        }
    }

    static void ReportFailure(Exception e, bool verbose)
    {
        var inner = e is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerExceptions[0] : e;
        Console.Error.WriteLine($"error: {inner.Message}");
        if (verbose) Console.Error.WriteLine(inner.ToString());
        else if (inner is not (IOException or InvalidDataException or ArgumentException or FormatException or UnauthorizedAccessException
                 or Common.Config.ConfigException or Modeling.Checkpoints.CheckpointException or Datasets.IndexedDatasetException
                 or Training.TrainingDivergedException or Synthesis.Endpoints.EndpointException))
            Console.Error.WriteLine("(run with --verbose for the stack trace)");
    }

    /// <summary>Spectre markup-escaped output helper for commands.</summary>
    public static void Info(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
}
