using System.Diagnostics;
using System.Text.Json;

namespace Tsumugi.Cli.Tests;

/// <summary>What llama.cpp (node-llama-cpp) did with one GGUF file.</summary>
/// <param name="Tokens">Greedy continuation of the prompt, free-running.</param>
/// <param name="Forced">Greedy pick after the prompt plus our first i tokens (empty without ours).</param>
/// <param name="Nll">Summed negative log-likelihood (nats) of the scored tokens after the first; NaN without them.</param>
public sealed record LlamaCppResult(int[] Tokens, int[] Forced, double Nll, int Scored)
{
    public double Perplexity => Math.Exp(Nll / Scored);
}

/// <summary>
/// Runs GGUF files in real llama.cpp: npm node-llama-cpp 3.22.1 (prebuilt CPU binaries) installed into .build/npm by
/// scripts/install-test-deps.sh. Greedy decoding via <c>sequence.evaluate</c>; log-probabilities via
/// <c>sequence.controlledEvaluate</c> with <c>generateNext.logits</c> at every position (the raw next-token logits,
/// log-softmaxed here), which is llama.cpp's perplexity of the text in one context window.
/// </summary>
public static class GgufLlamaCpp
{
    static string NodeLlamaCpp
    {
        get
        {
            var m = Path.Combine(RepoPaths.Root, ".build", "npm", "node_modules", "node-llama-cpp", "dist", "index.js");
            if (!File.Exists(m)) throw new InvalidOperationException($"{m} is missing; run scripts/install-test-deps.sh");
            return m;
        }
    }

    /// <param name="ours">Per file, Tsumugi's greedy tokens for the teacher-forced comparison (or none).</param>
    /// <param name="scored">Token ids whose perplexity llama.cpp computes (BOS first), or empty.</param>
    public static Dictionary<string, LlamaCppResult> Run(string workDir, IReadOnlyList<string> files, int[] prompt, int newTokens,
        IReadOnlyDictionary<string, int[]>? ours = null, int[]? scored = null)
    {
        var script = Path.Combine(workDir, "llama-cpp-quant.mjs");
        File.WriteAllText(script, $$"""
            import { getLlama } from {{JsonSerializer.Serialize(new Uri(NodeLlamaCpp).AbsoluteUri)}};
            import fs from "fs";
            const [input, output] = process.argv.slice(2);
            const job = JSON.parse(fs.readFileSync(input, "utf8"));
            const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
            const results = {};
            for (const file of job.files) {
              const model = await llama.loadModel({ modelPath: file });
              const context = await model.createContext({ contextSize: 512, threads: 1 });
              const tokens = [];
              const free = context.getSequence();
              for await (const token of free.evaluate(job.prompt, { temperature: 0, yieldEogToken: true })) {
                tokens.push(token);
                if (tokens.length >= job.newTokens) break;
              }
              free.dispose();
              const forced = [];
              const ours = job.ours?.[file];
              if (ours) {
                const sequence = context.getSequence();
                for (let i = 0; i < job.newTokens; i++) {
                  await sequence.clearHistory();
                  for await (const token of sequence.evaluate([...job.prompt, ...ours.slice(0, i)], { temperature: 0, yieldEogToken: true })) {
                    forced.push(token);
                    break;
                  }
                }
                sequence.dispose();
              }
              let nll = null;
              if (job.scored.length > 1) {
                const sequence = context.getSequence();
                const input = job.scored.map((t, i) => i < job.scored.length - 1 ? [t, { generateNext: { logits: true } }] : t);
                const out = await sequence.controlledEvaluate(input);
                nll = 0;
                for (let i = 0; i < job.scored.length - 1; i++) {
                  const logits = out[i].next.logits;
                  let max = -Infinity;
                  for (const v of logits.values()) max = Math.max(max, v);
                  let sum = 0;
                  for (const v of logits.values()) sum += Math.exp(v - max);
                  nll -= logits.get(job.scored[i + 1]) - max - Math.log(sum);
                }
                sequence.dispose();
              }
              results[file] = { tokens, forced, nll };
              await context.dispose();
              await model.dispose();
            }
            await llama.dispose();
            fs.writeFileSync(output, JSON.stringify(results));
            """);
        var input = Path.Combine(workDir, "llama-cpp-quant-in.json");
        var output = Path.Combine(workDir, "llama-cpp-quant-out.json");
        File.WriteAllText(input, JsonSerializer.Serialize(new { files, prompt, newTokens, ours, scored = scored ?? [] }));
        RunNode(script, input, output);
        var root = JsonDocument.Parse(File.ReadAllText(output)).RootElement;
        int scoredCount = Math.Max(0, (scored?.Length ?? 0) - 1);
        return files.ToDictionary(f => f, f =>
        {
            var r = root.GetProperty(f);
            var nll = r.GetProperty("nll");
            return new LlamaCppResult(
                r.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray(),
                r.GetProperty("forced").EnumerateArray().Select(t => t.GetInt32()).ToArray(),
                nll.ValueKind == JsonValueKind.Number ? nll.GetDouble() : double.NaN, scoredCount);
        });
    }

    /// <summary>llama.cpp's own tokenization of <paramref name="text"/> with the file's vocabulary (no BOS, specials as text).</summary>
    public static int[] Tokenize(string workDir, string file, string text)
    {
        var script = Path.Combine(workDir, "llama-cpp-tokenize.mjs");
        File.WriteAllText(script, $$"""
            import { getLlama } from {{JsonSerializer.Serialize(new Uri(NodeLlamaCpp).AbsoluteUri)}};
            import fs from "fs";
            const [file, input, output] = process.argv.slice(2);
            const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
            const model = await llama.loadModel({ modelPath: file, vocabOnly: true });
            fs.writeFileSync(output, JSON.stringify(Array.from(model.tokenize(JSON.parse(fs.readFileSync(input, "utf8")), false))));
            await model.dispose();
            await llama.dispose();
            """);
        var input = Path.Combine(workDir, "llama-cpp-tokenize-in.json");
        var output = Path.Combine(workDir, "llama-cpp-tokenize-out.json");
        File.WriteAllText(input, JsonSerializer.Serialize(text));
        RunNode(script, file, input, output);
        return JsonSerializer.Deserialize<int[]>(File.ReadAllText(output))!;
    }

    static void RunNode(params string[] args)
    {
        var psi = new ProcessStartInfo("node", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"node-llama-cpp failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
    }
}
