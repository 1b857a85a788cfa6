namespace Tsumugi.Cli.Tests;

/// <summary>Runs the CLI in-process, capturing stdout/stderr. Tests using it share one collection (no parallelism).</summary>
public static class CliRunner
{
    static readonly object Gate = new();

    public static (int ExitCode, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            var (o, e) = (new StringWriter(), new StringWriter());
            Console.SetOut(o);
            Console.SetError(e);
            try { return (CliApp.Run(args), o.ToString(), e.ToString()); }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }
}
