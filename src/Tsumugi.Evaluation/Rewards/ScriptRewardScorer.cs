using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// Rewards computed by a user command, started once per batch through <c>/bin/sh -c</c> (so pipes and arguments
/// work) in <paramref name="workingDirectory"/>. Its stdin is one JSON object per request
/// (<c>{"id","prompt","response","reference"}</c>); its stdout is either one number per request, in request order, or
/// JSON lines <c>{"id": …, "reward": …}</c> in any order. A command that exits non-zero, outlives the timeout (it is
/// killed with its children) or prints something unusable costs the affected requests a failure that carries the
/// command's stderr tail — the iteration goes on with the rest.
/// </summary>
public sealed class ScriptRewardScorer(string command, TimeSpan timeout, string? workingDirectory = null) : IRewardScorer
{
    const int StderrTailChars = 1000;
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public string Command { get; } = command;
    public TimeSpan Timeout { get; } = timeout;
    public string Name => "script";
    public RewardTally Tally { get; } = new("script");

    public async Task<IReadOnlyList<RewardScore>> ScoreAsync(IReadOnlyList<RewardRequest> requests, CancellationToken ct = default)
    {
        if (requests.Count == 0) return [];
        var scores = await RunAsync(requests, ct).ConfigureAwait(false);
        Tally.RecordAll(scores);
        return scores;
    }

    async Task<RewardScore[]> RunAsync(IReadOnlyList<RewardRequest> requests, CancellationToken ct)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", Command },
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardInputEncoding = Utf8, StandardOutputEncoding = Utf8, StandardErrorEncoding = Utf8,
            UseShellExecute = false,
        };
        using var process = new Process { StartInfo = start };
        try { process.Start(); }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            return AllFailed(requests, RewardFailureKinds.ScriptError, $"could not start '{Command}': {e.Message}");
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdin = WriteRequestsAsync(process.StandardInput, requests);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await Drained(stdin.ContinueWith(_ => "", TaskScheduler.Default)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            return AllFailed(requests, RewardFailureKinds.ScriptTimeout,
                $"'{Command}' did not finish within {Timeout.TotalSeconds:0.###} s and was killed{Tail(await Drained(stderr).ConfigureAwait(false))}");
        }
        await stdin.ConfigureAwait(false);
        var output = await Drained(stdout).ConfigureAwait(false);
        var errors = await Drained(stderr).ConfigureAwait(false);
        if (process.ExitCode != 0)
            return AllFailed(requests, RewardFailureKinds.ScriptError, $"'{Command}' exited with status {process.ExitCode}{Tail(errors)}");
        return ScriptRewardOutput.Parse(output, requests, Tail(errors));
    }

    /// <summary>The requests as JSON lines. A command that exits without reading them all closes the pipe: not an error here, its exit status tells.</summary>
    static async Task WriteRequestsAsync(StreamWriter stdin, IReadOnlyList<RewardRequest> requests)
    {
        try
        {
            foreach (var r in requests)
            {
                var line = new JsonObject { ["id"] = r.Id, ["prompt"] = r.Prompt, ["response"] = r.Response, ["reference"] = r.Reference };
                await stdin.WriteLineAsync(line.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })).ConfigureAwait(false);
            }
            await stdin.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        finally
        {
            try { stdin.Close(); } catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        }
    }

    /// <summary>What a stream gave, waiting a little at most: a killed command's orphaned children may hold the pipe open.</summary>
    static async Task<string> Drained(Task<string> read)
    {
        var done = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        return done == read ? await read.ConfigureAwait(false) : "";
    }

    static string Tail(string stderr)
    {
        var text = stderr.Trim();
        if (text.Length == 0) return "";
        if (text.Length > StderrTailChars) text = "…" + text[^StderrTailChars..];
        return "; stderr: " + text;
    }

    static RewardScore[] AllFailed(IReadOnlyList<RewardRequest> requests, string kind, string message) =>
        requests.Select(r => RewardScore.Failed(r.Id, kind, message)).ToArray();
}
