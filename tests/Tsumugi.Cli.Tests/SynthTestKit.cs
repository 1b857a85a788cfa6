using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// What the `tsumugi synth` CLI tests share: the real tsumugi executable as a child process (so it can be killed with
/// SIGKILL or serve while the synth runs in-process), and readers of a synth output directory's shards.
/// </summary>
public static class SynthTestKit
{
    /// <summary>The tsumugi executable built next to the tests.</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "tsumugi");

    /// <summary>Starts <c>tsumugi ARGS</c> with stdout and stderr collected into <paramref name="output"/> (drained as they come, so the child never blocks on a full pipe).</summary>
    public static Process Start(StringBuilder output, params string[] args)
    {
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["COLUMNS"] = "200";
        var p = new Process { StartInfo = info };
        void Collect(object? _, DataReceivedEventArgs e) { if (e.Data is not null) lock (output) output.AppendLine(e.Data); }
        p.OutputDataReceived += Collect;
        p.ErrorDataReceived += Collect;
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Runs <c>tsumugi ARGS</c> to the end; returns its exit code and output.</summary>
    public static (int ExitCode, string Output) Run(TimeSpan limit, params string[] args)
    {
        var output = new StringBuilder();
        using var p = Start(output, args);
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"tsumugi {string.Join(' ', args)} did not finish in {limit.TotalSeconds} s:\n{output}");
        }
        p.WaitForExit(); // the last output lines
        lock (output) return (p.ExitCode, output.ToString());
    }

    /// <summary>The lines of every shard in DIR/<paramref name="folder"/> (records or rejected), in shard order.</summary>
    public static List<string> ShardLines(string dir, string folder) =>
        Directory.Exists(Path.Combine(dir, folder))
            ? Directory.GetFiles(Path.Combine(dir, folder), "part-*.jsonl").Order(StringComparer.Ordinal).SelectMany(File.ReadLines).Where(l => l.Length > 0).ToList()
            : [];

    /// <summary>Every <c>meta.key</c> in records/ and rejected/ (a rejected line holds its record under <c>record</c>).</summary>
    public static List<string> Keys(string dir) =>
        ShardLines(dir, "records").Select(l => (string)JsonNode.Parse(l)!["meta"]!["key"]!)
            .Concat(ShardLines(dir, "rejected").Select(l => (string)JsonNode.Parse(l)!["record"]!["meta"]!["key"]!)).ToList();

    /// <summary>Writes instruction/output JSONL records (the regenerate recipe's input shape).</summary>
    public static void WriteInstructions(string path, IEnumerable<string> instructions) =>
        File.WriteAllLines(path, instructions.Select(i => new JsonObject { ["instruction"] = i, ["output"] = "元の答え" }.ToJsonString()));

    /// <summary>A regenerate config against one endpoint named <c>local</c>; <paramref name="endpointExtra"/> adds keys to it (YAML lines indented by 4 spaces); <paramref name="gates"/> is the gates list (lines indented by 2).</summary>
    public static string RegenerateConfig(string url, string inputs, int concurrency = 4, int shardRecords = 1000, string endpointExtra = "",
        string prompt = "{instruction}", string gates = "  - length: { min_chars: 2, max_chars: 4000 }\n  - refusal\n") => $$"""
        recipe: regenerate
        seed: 7
        input:
          paths: [{{inputs}}]
        endpoints:
          - name: local
            url: {{url}}
            model: {{FaultyChatServer.ModelName}}
            concurrency: {{concurrency}}
        {{endpointExtra}}
        sampling: { temperature: 0.7, max_tokens: 64 }
        regenerate:
          prompt: "{{prompt}}"
        gates:
        {{gates}}
        output: { shard_records: {{shardRecords}} }
        """;
}
