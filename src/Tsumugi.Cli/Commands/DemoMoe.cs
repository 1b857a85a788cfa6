using System.Diagnostics;
using System.Text.Json.Nodes;
using Tsumugi.Generation;
using Tsumugi.Training.Loop;
using static TorchSharp.torch;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// The demo's composition step, measured: an upcycled MoE must start as the dense model (same logits), its router's
/// load per layer after training, and whether real llama.cpp runs the quantised export.
/// </summary>
static class DemoMoe
{
    /// <summary>Largest |logit difference| between two model directories over the tokens of <paramref name="text"/>.</summary>
    public static double MaxLogitDifference(string denseDir, string moeDir, string text)
    {
        using var dense = PretrainedModel.Load(denseDir);
        using var moe = PretrainedModel.Load(moeDir);
        using var scope = NewDisposeScope();
        var ids = dense.Tokenizer.Encode(text).Take(128).Select(i => (long)i).Prepend(dense.Tokenizer.BosId).ToArray();
        using var _ = no_grad();
        using var input = tensor(ids).unsqueeze(0);
        return (dense.Model.Forward(input).Logits - moe.Model.Forward(input).Logits).abs().max().item<float>();
    }

    /// <summary>Each MoE layer's expert shares of the last logged step, e.g. "layer 0: 0.31/0.22/0.25/0.22".</summary>
    public static string ExpertShares(string runDir)
    {
        var last = JsonLinesLog.Read(Path.Combine(runDir, "metrics.jsonl")).LastOrDefault(l => l["expert_share"] is not null);
        if (last is null) return "no expert shares logged";
        return string.Join("; ", last["expert_share"]!.AsArray().Select((layer, i) =>
            $"layer {i}: " + string.Join("/", layer!.AsArray().Select(s => ((double)s!).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))));
    }

    /// <summary>
    /// Greedy completion by real llama.cpp (node-llama-cpp, installed by scripts/install-test-deps.sh), or null when
    /// node or the package is not installed — the demo needs only the .NET SDK, so llama.cpp is a check, not a step.
    /// </summary>
    public static JsonNode? LlamaCpp(string repositoryRoot, string gguf, string prompt, int tokens)
    {
        var script = Path.Combine(repositoryRoot, "scripts", "llama-cpp-complete.mjs");
        if (!File.Exists(Path.Combine(repositoryRoot, ".build", "npm", "node_modules", "node-llama-cpp", "package.json")) || !File.Exists(script)) return null;
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, gguf, prompt, tokens.ToString(System.Globalization.CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"llama.cpp could not run {gguf}: {stderr.Result.Trim()}");
            return JsonNode.Parse(stdout.Result.Trim().Split('\n')[^1]);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no node on PATH
        }
    }
}
