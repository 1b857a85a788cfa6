using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Testing.Browser;

/// <summary>
/// Writes what the dashboard reads under <c>--runs</c>, in the shape the trainer, <c>eval … --output</c> and
/// <c>pipeline run</c> write it (the files and fields of a demo run): training runs (metrics.jsonl, events.jsonl,
/// samples.jsonl, config.yaml, plan.txt), eval envelopes and a pipeline's .pipeline/state.json. Every value is a
/// deterministic function of the step, so lines appended later continue the same curves. Used by the browser tests and
/// by the first-paint benchmark (bench/dashboard).
/// </summary>
public static class RunsFixture
{
    /// <summary>Domains of the demo corpus: per-domain training loss every step, held-out loss every validation step.</summary>
    public static readonly string[] Domains = ["code", "en", "ja"];

    // Japanese text, '+' in ISO times and '>' as they are, like the trainer's and eval's own writers.
    static readonly JsonSerializerOptions Plain = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    /// <summary>
    /// One metrics.jsonl line of a run planned for <paramref name="totalSteps"/> steps: pretraining lines carry z_loss and
    /// domain_loss and a curriculum stage ("main", then "anneal" for the last fifth); SFT lines only the common fields;
    /// <paramref name="validation"/> adds val_loss per domain, as the trainer does every eval interval. Runs with another
    /// <paramref name="seed"/> get other noise on the same trend.
    /// </summary>
    public static string MetricsLine(int step, int totalSteps, bool sft = false, bool validation = false, int seed = 17)
    {
        var draw = 0;
        double Jitter(double scale) => Noise(step, seed, draw++) * scale;
        var progress = (double)step / totalSteps;
        var loss = (sft ? 1.6 + 1.4 * Math.Exp(-step / (0.3 * totalSteps)) : 2.4 + 6.4 * Math.Exp(-step / (0.12 * totalSteps))) + Jitter(0.06);
        var warmup = Math.Max(1, totalSteps / 100);
        var lr = step <= warmup ? 3e-4 * step / warmup : 3e-5 + 0.5 * (3e-4 - 3e-5) * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, totalSteps - warmup)));
        var tokensPerStep = sft ? 2048 : 524_288;
        var line = new JsonObject
        {
            ["step"] = step,
            ["loss"] = loss,
            ["lr"] = lr,
            ["tokens"] = (long)step * tokensPerStep,
            ["grad_norm"] = 0.9 + 0.6 * Math.Exp(-progress * 8) + Jitter(0.15),
            ["tokens_per_s"] = Math.Round(sft ? 700 + Jitter(80) : 14_900 + Jitter(600), 1),
            ["mfu"] = Math.Round(sft ? 0.057 + Jitter(0.005) : 0.412 + Jitter(0.02), 4),
            ["memory_mb"] = sft ? 750.6 : 12_034.5,
            ["stage"] = sft ? "sft" : progress > 0.8 ? "anneal" : "main",
            ["time"] = Math.Round(1_796_606_677.199 + step * (sft ? 3.3 : 0.274), 3),
        };
        if (!sft)
        {
            line["z_loss"] = 60 + 20 * Math.Exp(-progress * 5) + Jitter(0.5);
            line["domain_loss"] = PerDomain(loss, 0.0, Jitter);
        }
        if (validation) line["val_loss"] = PerDomain(loss, 0.08, Jitter);
        // The trainer's in-run task evaluation (eval.tasks) lands on the same lines as the held-out loss.
        if (validation && !sft)
        {
            var learned = 1 - Math.Exp(-progress * 3);
            line["tasks"] = new JsonObject
            {
                ["avg"] = Math.Round(0.02 + 0.1 * learned, 4), ["mc_ja/acc"] = Math.Round(0.2 + 0.15 * learned, 4),
                ["qa_ja/char_f1"] = Math.Round(0.05 + 0.2 * learned, 4),
            };
        }
        return line.ToJsonString(Plain);
    }

    /// <summary>
    /// A training run in <paramref name="dir"/> with metrics for steps 1..<paramref name="steps"/> of a run planned for
    /// <paramref name="totalSteps"/> (default: the same; fewer means the run is still going: no "finished" event).
    /// <paramref name="resumeFrom"/> &gt; 0 logs a resume after a crash: steps resumeFrom+1..resumeFrom+10 appear twice,
    /// as a trainer that restarts from its checkpoint at resumeFrom re-logs them (the later line wins).
    /// </summary>
    public static void WriteTrainingRun(string dir, int steps, int? totalSteps = null, bool sft = false, int resumeFrom = 0, int validationEvery = 25, int seed = 17)
    {
        var total = totalSteps ?? steps;
        Directory.CreateDirectory(dir);
        var metrics = new StringBuilder();
        var events = new StringBuilder();
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_796_606_676_000);
        void Event(string name, int step, string message) => events.Append(new JsonObject
        {
            ["event"] = name, ["step"] = step, ["message"] = message,
            ["time"] = t0.AddSeconds(step * 0.274).ToString("O", CultureInfo.InvariantCulture),
        }.ToJsonString(Plain)).Append('\n');
        Event("start", 0, $"{total} steps planned");
        var checkpointEvery = Math.Max(50, total / 10);
        for (var step = 1; step <= steps; step++)
        {
            metrics.Append(MetricsLine(step, total, sft, step % validationEvery == 0, seed)).Append('\n');
            if (!sft && step == 37) Event("spike", step, "loss 9.81 > 3.0 × running mean 3.02: skipped the batch");
            if (step % checkpointEvery == 0) Event("checkpoint", step, Path.Combine(dir, "checkpoints", $"step-{step}"));
            if (resumeFrom > 0 && step == resumeFrom + 10)
            {
                Event("resume", resumeFrom, $"resumed from {Path.Combine(dir, "checkpoints", $"step-{resumeFrom}")}");
                for (var again = resumeFrom + 1; again <= step; again++)
                    metrics.Append(MetricsLine(again, total, sft, again % validationEvery == 0, seed)).Append('\n');
            }
        }
        if (steps == total) Event("finished", steps, Path.Combine(dir, "model"));
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), metrics.ToString());
        File.WriteAllText(Path.Combine(dir, "events.jsonl"), events.ToString());
        File.WriteAllText(Path.Combine(dir, "config.yaml"),
            $"seed: 1234\nmodel:\n  preset: tiny\ntrain:\n  seq_length: 256\n  max_steps: {total}\noptimizer:\n  lr: 0.0003\n  min_lr: 0.00003\nschedule:\n  type: cosine\n");
        File.WriteAllText(Path.Combine(dir, "plan.txt"), $"run plan\n  length     {total} steps\n");
        var samples = new StringBuilder();
        for (var step = checkpointEvery; step <= steps; step += checkpointEvery)
            samples.Append(new JsonObject
            {
                ["step"] = step, ["prompt"] = "「Debian」という名前の由来を教えてください。",
                ["answer"] = $"ステップ{step}の回答：創設者の名前から。", ["reference"] = "創設者の Ian Murdock さんと Debra さんの名前を短くして組み合わせたものです。",
            }.ToJsonString(Plain)).Append('\n');
        File.WriteAllText(Path.Combine(dir, "samples.jsonl"), samples.ToString());
    }

    /// <summary>Appends metrics lines for steps <paramref name="from"/>..<paramref name="to"/> (a run still writing).</summary>
    public static void AppendMetrics(string dir, int from, int to, int totalSteps, bool sft = false, int validationEvery = 25)
    {
        var lines = new StringBuilder();
        for (var step = from; step <= to; step++) lines.Append(MetricsLine(step, totalSteps, sft, step % validationEvery == 0)).Append('\n');
        File.AppendAllText(Path.Combine(dir, "metrics.jsonl"), lines.ToString());
    }

    /// <summary>
    /// An <c>eval tasks --output</c> envelope (kind, model, created, metrics, details) at <paramref name="path"/>; scores scale
    /// with <paramref name="quality"/> in [0, 1] so two models differ.
    /// </summary>
    public static void WriteEval(string path, string model, double quality, DateTimeOffset created)
    {
        var metrics = new JsonObject
        {
            ["math_ja/exact_match_number"] = Math.Round(0.25 * quality, 4), ["mc_ja/acc"] = Math.Round(0.2 + 0.3 * quality, 4),
            ["mc_ja/acc_norm"] = Math.Round(0.2 + 0.35 * quality, 4), ["mt_en_ja/bleu_ja"] = Math.Round(12.5 * quality, 4),
            ["mt_en_ja/char_f1"] = Math.Round(0.4 * quality, 4), ["nli_ja/exact_match"] = Math.Round(0.33 * quality, 4),
            ["qa_ja/char_f1"] = Math.Round(0.3 * quality, 4), ["qa_ja/exact_match"] = Math.Round(0.1 * quality, 4),
        };
        metrics["avg"] = Math.Round(metrics.Where(m => m.Key != "mt_en_ja/bleu_ja").Average(m => m.Value!.GetValue<double>()), 4);
        var envelope = new JsonObject
        {
            ["kind"] = "tasks", ["model"] = model, ["created"] = created.ToString("O", CultureInfo.InvariantCulture), ["metrics"] = metrics,
            ["details"] = new JsonObject { ["batch_size"] = 8, ["tasks"] = new JsonArray() },
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, envelope.ToJsonString(Indented));
    }

    /// <summary>One stage of a pipeline's state.json.</summary>
    public sealed record Stage(string Name, string Kind, string State, string? Output = null, double? Seconds = null, string? Message = null);

    /// <summary><c>.pipeline/state.json</c> of a pipeline in <paramref name="dir"/>, as <c>pipeline run</c> writes it.</summary>
    public static void WritePipeline(string dir, string name, DateTimeOffset updated, params Stage[] stages)
    {
        var started = updated.AddMinutes(-stages.Length);
        var state = new JsonObject
        {
            ["name"] = name, ["config"] = Path.Combine(dir, "pipeline.yaml"), ["updated"] = updated.ToString("O", CultureInfo.InvariantCulture),
            ["stages"] = new JsonArray(stages.Select((s, i) => (JsonNode)new JsonObject
            {
                ["name"] = s.Name, ["kind"] = s.Kind, ["state"] = s.State, ["fingerprint"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s.Kind + "/" + s.Name)))[..16],
                ["started"] = s.State == "pending" ? null : started.AddMinutes(i).ToString("O", CultureInfo.InvariantCulture),
                ["finished"] = s.State is "done" or "failed" ? started.AddMinutes(i).AddSeconds(s.Seconds ?? 0).ToString("O", CultureInfo.InvariantCulture) : null,
                ["seconds"] = s.Seconds, ["output"] = s.Output ?? s.Name, ["message"] = s.Message,
            }).ToArray()),
        };
        Directory.CreateDirectory(Path.Combine(dir, ".pipeline"));
        File.WriteAllText(Path.Combine(dir, ".pipeline", "state.json"), state.ToJsonString(Indented));
    }

    static JsonObject PerDomain(double loss, double gap, Func<double, double> jitter)
    {
        // Code is easier than Japanese and English in the demo corpus; the held-out loss sits a little above the training loss.
        var offsets = new Dictionary<string, double> { ["code"] = -0.9, ["en"] = 0.15, ["ja"] = 0.3 };
        var perDomain = new JsonObject();
        foreach (var domain in Domains) perDomain[domain] = loss + offsets[domain] + gap + jitter(0.05);
        return perDomain;
    }

    /// <summary>
    /// Noise in [-1, 1) that depends only on (step, seed, draw): SplitMix64 of the three. System.Random seeded with
    /// neighbouring steps gives neighbouring first values, which drew a sawtooth instead of noise.
    /// </summary>
    static double Noise(int step, int seed, int draw)
    {
        var z = ((ulong)(uint)seed << 40) ^ ((ulong)(uint)step << 8) ^ (uint)draw;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (2.0 / (1UL << 53)) - 1;
    }
}
