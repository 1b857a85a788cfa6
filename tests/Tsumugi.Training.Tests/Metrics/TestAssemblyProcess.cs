using System.Diagnostics;

namespace Tsumugi.Training.Tests.Metrics;

/// <summary>
/// Starts this test assembly as its own process (see <see cref="TestAssemblyEntryPoint"/>), for what cannot be
/// checked inside the test host: a process killed with SIGKILL, or a machine without fonts.
/// </summary>
internal static class TestAssemblyProcess
{
    /// <summary>
    /// <paramref name="wrapper"/> is a command line put in front of <c>dotnet</c> (e.g. <c>unshare ...</c>);
    /// stdout is redirected, stderr too.
    /// </summary>
    public static Process Start(IReadOnlyList<string> arguments, IReadOnlyList<string>? wrapper = null)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var commandLine = new List<string>(wrapper ?? []) { dotnet, typeof(TestAssemblyEntryPoint).Assembly.Location };
        commandLine.AddRange(arguments);
        var start = new ProcessStartInfo(commandLine[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in commandLine.Skip(1))
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {commandLine[0]}");
    }

    /// <summary>Runs to completion; throws with the child's stderr when it fails or runs longer than a minute.</summary>
    public static string Run(IReadOnlyList<string> arguments, IReadOnlyList<string>? wrapper = null)
    {
        using Process process = Start(arguments, wrapper);
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"child process `{string.Join(' ', arguments)}` did not finish in a minute");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"child process `{string.Join(' ', arguments)}` exited with {process.ExitCode}: {stderr.Result.Trim()}");
        return stdout.Result;
    }
}
