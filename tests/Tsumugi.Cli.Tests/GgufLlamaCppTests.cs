using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Modeling;
using Tsumugi.Export.Gguf;
using Tsumugi.Generation;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Training;
using static TorchSharp.torch;
using static Tsumugi.Cli.Tests.SpectreOutput;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// `export gguf` files in real llama.cpp (npm node-llama-cpp, prebuilt CPU binaries, installed into .build/npm by
/// scripts/install-test-deps.sh): greedy continuations from the same token ids must equal Tsumugi's.
/// </summary>
[Collection("cli")]
public sealed class GgufLlamaCppTests : IDisposable
{
    const int NewTokens = 16;
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-gguf-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    static string NodeLlamaCpp
    {
        get
        {
            var m = Path.Combine(RepoPaths.Root, ".build", "npm", "node_modules", "node-llama-cpp", "dist", "index.js");
            if (!File.Exists(m)) throw new InvalidOperationException($"{m} is missing; run scripts/install-test-deps.sh");
            return m;
        }
    }

    [Fact]
    public void LlamaCppLoadsTheExportAndContinuesGreedilyLikeTsumugi()
    {
        Ok("tokenizer", "train", "--input", CorpusSample.Write("ja", 30_000, Sub("ja.txt")), "--output", Sub("tok"),
            "--vocab-size", "1500", "--model-type", "bpe", "--threads", "2");
        var tokenizer = TokenizerDirectory.Load(Sub("tok"));
        const string text = "吾輩は猫である。名前はまだ無い。";
        int[] prompt = [tokenizer.BosId, .. tokenizer.Encode(text)];
        var chatTemplate = JsonNode.Parse(File.ReadAllText(Sub("tok/tokenizer_config.json")))!["chat_template"]!.GetValue<string>();

        // Tied (no output.weight) and untied; both GQA 4/2 so Wk is permuted with the KV head count.
        var expected = new Dictionary<string, int[]>();
        var margins = new Dictionary<string, float[]>();
        var files = new List<string>();
        foreach (var tied in new[] { true, false })
        {
            var config = ModelPresets.Get("tiny");
            TokenizerInfo.Apply(Sub("tok"), config);
            config.TieWordEmbeddings = tied;
            // Tied: a vocabulary padded past the tokenizer ([PAD] tokens). A wider init than HF's 0.02 spreads the
            // logits, so fewer greedy picks are near-ties.
            if (tied) config.VocabSize = 1536;
            config.InitializerRange = 0.3;
            var modelDir = Sub(tied ? "tied" : "untied");
            using (var model = new LlamaForCausalLM(config))
            {
                model.InitializeWeights(tied ? 21 : 12);
                HfModelDirectory.Save(model, modelDir, Sub("tok"));
            }
            foreach (var type in new[] { "f32", "f16", "q8_0" })
            {
                var file = Sub($"{Path.GetFileName(modelDir)}-{type}.gguf");
                // Tsumugi's side runs on the weights the file holds (rounded to f16 / quantized and dequantized),
                // so what remains is llama.cpp's own arithmetic.
                using (var model = HfModelDirectory.Load(modelDir))
                {
                    StoredWeights.RoundTrip(model, GgufFileTypes.Parse(type));
                    expected[file] = TokenSampler.Generate(model, prompt, new SamplingOptions { Temperature = 0, MaxNewTokens = NewTokens }, []).ToArray();
                    margins[file] = GreedyMargins(model, prompt, expected[file]);
                }
                Assert.Equal(NewTokens, expected[file].Length);
                Assert.Contains($"Wrote {file} ({type}", Ok("export", "gguf", "--model", modelDir, "--output", file, "--type", type));
                files.Add(file);
            }
        }

        var results = RunLlamaCpp(files, prompt, text, expected);
        var report = new List<string>();
        var prefixes = new Dictionary<string, int>();
        foreach (var file in files)
        {
            var r = results.GetProperty(file);
            var want = expected[file];
            var got = r.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
            int same = want.Zip(got).TakeWhile(p => p.First == p.Second).Count();
            report.Add($"{Path.GetFileName(file)}: {same}/{NewTokens} [{string.Join(",", got)}] vs [{string.Join(",", want)}]");
            prefixes[file] = same;
            // llama.cpp read our vocabulary: SPM vocab, our special ids, the chat template, and its own BPE
            // tokenization of the prompt text equals ours.
            Assert.Equal(tokenizer.Encode(text), r.GetProperty("tokenized").EnumerateArray().Select(t => t.GetInt32()));
            Assert.Equal(tokenizer.BosId, r.GetProperty("bos").GetInt32());
            Assert.Equal(tokenizer.EosId, r.GetProperty("eos").GetInt32());
            Assert.Equal(chatTemplate, r.GetProperty("chatTemplate").GetString());
        }
        var summary = "per file: free-running common prefix, then llama.cpp's tokens vs ours:\n" + string.Join("\n", report);
        foreach (var file in files)
        {
            // llama.cpp computes with its own rounding: F16 matmuls round the activations to f16, Q8_0 ones quantize
            // them to 8 bits. So at every step whose top-2 logit gap (ours) exceeds that error, its pick given our
            // prefix must be ours; f32 and f16 must agree everywhere, free-running too.
            bool exact = !file.EndsWith("q8_0.gguf");
            var forced = results.GetProperty(file).GetProperty("forced").EnumerateArray().Select(t => t.GetInt32()).ToArray();
            var clear = Enumerable.Range(0, NewTokens).Where(i => exact || margins[file][i] > 0.1f).ToArray();
            Console.WriteLine($"{Path.GetFileName(file)}: free-running prefix {prefixes[file]}/{NewTokens}, teacher-forced agreement " +
                $"{Enumerable.Range(0, NewTokens).Count(i => forced[i] == expected[file][i])}/{NewTokens}, clear steps {clear.Length}");
            Assert.True(clear.Length >= NewTokens / 2, $"{Path.GetFileName(file)}: only {clear.Length} steps without a near-tie; pick another seed");
            Assert.All(clear, i => Assert.True(forced[i] == expected[file][i], $"{Path.GetFileName(file)} step {i}: llama.cpp {forced[i]}, ours {expected[file][i]} (margin {margins[file][i]})\n{summary}"));
            if (exact) Assert.True(prefixes[file] == NewTokens, summary);
        }
    }

    /// <summary>For each greedy step, the gap between the chosen token's logit and the runner-up's.</summary>
    static float[] GreedyMargins(LlamaForCausalLM model, int[] prompt, int[] continuation)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] ids = [.. prompt.Select(i => (long)i), .. continuation.Select(i => (long)i)];
        var logits = model.Forward(tensor(ids, [1, ids.Length])).Logits[0].narrow(0, prompt.Length - 1, continuation.Length);
        var top = logits.topk(2).values.to_type(ScalarType.Float32);
        return (top[.., 0] - top[.., 1]).data<float>().ToArray();
    }

    [Fact]
    public void ExportWithoutATokenizerSaysHowToAddOne()
    {
        Ok("model", "init", "--preset", "tiny", "--output", Sub("bare"));
        var (code, _, err) = CliRunner.Run("export", "gguf", "--model", Sub("bare"), "--output", Sub("bare.gguf"));
        Assert.Equal(1, code);
        Assert.Contains("no tokenizer.model", err);
        Assert.Contains("model init --tokenizer", err);
        Assert.False(File.Exists(Sub("bare.gguf")));
        Assert.Equal(2, CliRunner.Run("export", "gguf", "--model", Sub("bare"), "--output", Sub("x.gguf"), "--type", "q3_k_s").ExitCode);
    }

    JsonElement RunLlamaCpp(IReadOnlyList<string> files, int[] prompt, string text, Dictionary<string, int[]> ours)
    {
        var script = Sub("llama-cpp.mjs");
        File.WriteAllText(script, $$"""
            import { getLlama } from {{JsonSerializer.Serialize(new Uri(NodeLlamaCpp).AbsoluteUri)}};
            import fs from "fs";
            const [input, output] = process.argv.slice(2);
            const job = JSON.parse(fs.readFileSync(input, "utf8"));
            const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
            const results = {};
            for (const file of job.files) {
              const model = await llama.loadModel({ modelPath: file });
              const context = await model.createContext({ contextSize: 128, threads: 1 });
              const tokens = [];
              // Token ids in, greedy (temperature 0), EOS yielded instead of stopping, as Tsumugi with no stop ids.
              const free = context.getSequence();
              for await (const token of free.evaluate(job.prompt, { temperature: 0, yieldEogToken: true })) {
                tokens.push(token);
                if (tokens.length >= job.newTokens) break;
              }
              // Teacher-forced: llama.cpp's greedy pick after the prompt plus our first i tokens, so one near-tie
              // does not hide every later step.
              const forced = [];
              free.dispose();
              const sequence = context.getSequence();
              for (let i = 0; i < job.newTokens; i++) {
                await sequence.clearHistory();
                for await (const token of sequence.evaluate([...job.prompt, ...job.ours[file].slice(0, i)], { temperature: 0, yieldEogToken: true })) {
                  forced.push(token);
                  break;
                }
              }
              results[file] = {
                tokens,
                forced,
                tokenized: model.tokenize(job.text),
                bos: model.tokens.bos,
                eos: model.tokens.eos,
                chatTemplate: model.fileInfo.metadata.tokenizer.chat_template ?? null,
              };
              await context.dispose();
              await model.dispose();
            }
            await llama.dispose();
            fs.writeFileSync(output, JSON.stringify(results));
            """);
        var input = Sub("llama-cpp-in.json");
        var output = Sub("llama-cpp-out.json");
        File.WriteAllText(input, JsonSerializer.Serialize(new { files, prompt, text, newTokens = NewTokens, ours }));
        var psi = new ProcessStartInfo("node", [script, input, output]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"node-llama-cpp failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
        return JsonDocument.Parse(File.ReadAllText(output)).RootElement.Clone();
    }
}
