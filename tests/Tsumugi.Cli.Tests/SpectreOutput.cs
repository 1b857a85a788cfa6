using System.Text;
using Spectre.Console;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// Spectre.Console binds <see cref="AnsiConsole"/> to the process's stdout the first time it is used, so tables and
/// progress never reach <see cref="CliRunner"/>'s captured writer. <see cref="Run"/> points it, for one call, at a
/// writer that follows whatever <see cref="Console.Out"/> is at the moment, wide enough that lines do not wrap.
/// </summary>
public static class SpectreOutput
{
    public static (int ExitCode, string Out, string Err) Run(params string[] args)
    {
        var previous = AnsiConsole.Console;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(new CurrentConsoleOut()),
        });
        console.Profile.Width = 500;
        AnsiConsole.Console = console;
        try { return CliRunner.Run(args); }
        finally { AnsiConsole.Console = previous; }
    }

    /// <summary>Runs the command, which must succeed (else the test fails with its stderr), and returns its stdout.</summary>
    public static string Ok(params string[] args)
    {
        var (code, stdout, err) = Run(args);
        Assert.True(code == 0, $"{string.Join(' ', args)} failed: {err}");
        return stdout;
    }

    sealed class CurrentConsoleOut : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => Console.Out.Write(value);
        public override void Write(string? value) => Console.Out.Write(value);
        public override void Flush() => Console.Out.Flush();
    }
}
