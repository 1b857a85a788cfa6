using System.CommandLine;
using Spectre.Console;

namespace Tsumugi.Cli;

/// <summary>
/// The `tsumugi` command: one subcommand group per pipeline stage. Exit codes: 0 ok, 1 failure, 2 usage error.
/// Failures print one line (what, where, what to do); the stack trace only with --verbose.
/// </summary>
public static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Tsumugi — build Japanese LLMs end to end: corpus → tokenizer → data → pretrain → evaluate → serve.\n" +
            "Run `tsumugi demo` for the whole pipeline on a sample corpus, or `tsumugi STAGE --help` for a stage.");
        root.Add(Commands.CommonOptions.Verbose);
        foreach (var stage in Stages()) root.Add(stage);
        return root;
    }

    /// <summary>The stage groups, in pipeline order.</summary>
    static IEnumerable<Command> Stages()
    {
        yield return Commands.CorpusCommands.Create();
        yield return Commands.TokenizerCommands.Create();
        yield return Commands.DataCommands.Create();
        yield return Commands.ModelCommands.Create();
        yield return Commands.TrainCommands.Create();
        yield return Commands.TrainCommands.CreateSft();
        yield return Commands.TrainCommands.CreateDpo();
        yield return Commands.SynthCommands.Create();
        yield return Commands.EvalCommands.Create();
        yield return Commands.GenerateCommand.Create();
        yield return Commands.ChatCommand.Create();
        yield return Commands.ChatTemplateCommands.Create();
        yield return Commands.ExportCommands.Create();
        yield return Commands.MergeCommand.Create();
        yield return Commands.BtmCommand.Create();
        yield return Commands.ServeCommand.Create();
        yield return Commands.DashboardCommand.Create();
        yield return Commands.DemoCommand.Create();
    }

    public static int Run(string[] args)
    {
        Modeling.CpuAllocator.Tune();
        var parse = Build().Parse(args);
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
