using Tsumugi.Orchestration;

namespace Tsumugi.Cli.Stages;

/// <summary>
/// A stage kind that runs `tsumugi` commands in this process — exactly what a user would type by hand, so a stage
/// behaves as its command is documented. <c>args:</c> on any such stage appends further flags to its (last) command.
/// </summary>
sealed class CliStage(string name, string help, Func<StageContext, CliStage.Work> prepare, bool resumable = false) : IStageKind
{
    /// <param name="Commands">The commands for one run (the flag says whether it resumes).</param>
    /// <param name="Summary">The one-line result once the commands succeeded.</param>
    public sealed record Work(Func<StageRun, IEnumerable<string[]>> Commands, Func<StageRun, string> Summary)
    {
        public string Product { get; init; } = "";
        public Func<StageWork?> Size { get; init; } = () => null;
    }

    public string Name => name;
    public string Help => help;
    public bool Resumable => resumable;

    public StagePlan Prepare(StageContext context)
    {
        var work = prepare(context);
        var extra = context.Settings.List("args") ?? [];
        return new StagePlan
        {
            Product = work.Product,
            Work = work.Size,
            Run = run =>
            {
                var commands = work.Commands(run).ToList();
                for (int i = 0; i < commands.Count; i++) Invoke(i == commands.Count - 1 ? [.. commands[i], .. extra] : commands[i]);
                return work.Summary(run);
            },
        };
    }

    /// <summary>Runs one command through the CLI itself; a non-zero exit fails the stage with the command line.</summary>
    public static void Invoke(string[] args)
    {
        int code = CliApp.Run(args);
        if (code != 0) throw new InvalidOperationException($"`tsumugi {string.Join(' ', args)}` failed (exit code {code}).");
    }

    /// <summary>Total bytes of input files and folders (the work unit of the data stages).</summary>
    public static Func<StageWork?> Bytes(params IEnumerable<string> paths) => () =>
    {
        long total = 0;
        foreach (var path in paths)
        {
            if (File.Exists(path)) total += new FileInfo(path).Length;
            else if (Directory.Exists(path)) total += PipelineRunner.FolderBytes(path);
            else return null; // not written yet
        }
        return new StageWork(total, "bytes");
    };
}
