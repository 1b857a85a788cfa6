using System.Text.Json;
using Tsumugi.Cli.Commands;
using Tsumugi.Generation;
using Tsumugi.Modeling;
using Tsumugi.Orchestration;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Metrics;

namespace Tsumugi.Cli.Stages;

/// <summary>
/// demo-report: the demo's last stage. It lists every stage the pipeline ran (from state.json, with each stage's own
/// summary), then measures what the stages made: held-out perplexity before and after training, tokenizer fit on
/// held-out text, samples, the full-/half-width twins, SFT and DPO answers side by side, the upcycled MoE against its
/// dense parent, the GGUF in llama.cpp, and the data-parallel check. Writes report.md and report.html in its folder.
/// </summary>
sealed class DemoReportStage : IStageKind
{
    public string Name => "demo-report";
    public string Help => "the demo's report (configs/demo-pipeline.yaml): measures the other stages' models and writes report.md/html";

    /// <summary>New tokens per held-out answer: the references are one or two sentences.</summary>
    const int AnswerTokens = 48;

    public StagePlan Prepare(StageContext c)
    {
        var s = new Inputs(
            HeldOut: Path.Combine(c.Input("holdout", "the holdout stage"), "heldout.jsonl"),
            Tokenizer: c.Input("tokenizer", "the tokenizer stage"),
            Data: c.Input("data", "the data-tokenize stage"),
            Untrained: c.Input("untrained", "the model-init stage"),
            Pretrained: c.Input("pretrained", "the pretraining stage"),
            Sft: c.Input("sft", "the SFT stage"),
            Dpo: c.Input("dpo", "the DPO stage"),
            Moe: c.Input("moe", "the upcycle stage"),
            MoeTrained: c.Input("moe_trained", "the MoE training stage"),
            Gguf: c.Input("gguf", "the export stage"),
            Synth: c.Input("synth", "the synth stage"),
            TrainConfig: c.ConfigFile("train_config") ?? throw c.Settings.Error("train_config", "missing"),
            SftConfig: c.ConfigFile("sft_config") ?? throw c.Settings.Error("sft_config", "missing"),
            DpoConfig: c.ConfigFile("dpo_config") ?? throw c.Settings.Error("dpo_config", "missing"),
            Questions: c.ConfigFile("questions") ?? throw c.Settings.Error("questions", "missing: held-out SFT questions (JSONL)"),
            QuestionCount: c.Settings.Int("question_count", 12, min: 1),
            DataParallelSteps: c.Settings.Int("data_parallel_steps", 20, min: 0));
        return new StagePlan { Run = run => Write(c.Pipeline, Path.GetDirectoryName(run.Directory)!, run.Directory, s) };
    }

    sealed record Inputs(string HeldOut, string Tokenizer, string Data, string Untrained, string Pretrained, string Sft, string Dpo, string Moe,
        string MoeTrained, string Gguf, string Synth, string TrainConfig, string SftConfig, string DpoConfig, string Questions, int QuestionCount, int DataParallelSteps);

    static string Write(PipelineSpec pipeline, string output, string folder, Inputs s)
    {
        var report = new DemoReport();
        report.Line($"Pipeline `{pipeline.File}`: every stage's folder is under `{output}`; `tsumugi pipeline status {pipeline.File} --output {output}` lists them, `tsumugi dashboard --runs {output}` shows them.");
        foreach (var stage in PipelineState.Load(output).Stages.Where(r => r.State == StageRecord.Done && r.Kind != "demo-report"))
            report.Stage($"{stage.Name} ({stage.Kind})", stage.Message ?? "", TimeSpan.FromSeconds(stage.Seconds ?? 0));
        var heldOut = File.ReadLines(s.HeldOut).Select(l => JsonSerializer.Deserialize<JsonElement>(l))
            .GroupBy(e => e.GetProperty("domain").GetString()!).ToDictionary(g => g.Key, g => g.Select(e => e.GetProperty("text").GetString()!).ToList());
        var ja = heldOut.GetValueOrDefault("ja") ?? heldOut.Values.First();

        Measure(report, "tokenizer on held-out text", () =>
        {
            var tokenizer = SpmTokenizer.Load(Path.Combine(s.Tokenizer, "tokenizer.model"));
            var rows = heldOut.OrderBy(d => d.Key).Select(d =>
                TokenizerEvaluator.Evaluate(tokenizer, d.Key, d.Value.SelectMany(t => t.Split('\n')).Where(l => l.Length > 0).ToList()));
            return "held-out characters per token: " + string.Join(", ", rows.Select(r => $"{r.Domain} {r.CharsPerToken:F2} (byte fallback {100 * r.ByteFallbackRate:F2}%)"));
        });
        double untrained = DemoAnalysis.Perplexity(s.Untrained, ja, out var untrainedDetail);
        Measure(report, "held-out perplexity of the untrained model (Japanese)", () => $"perplexity {untrained:F0} {untrainedDetail} (untrained: ≈ vocabulary size)");
        Measure(report, "held-out perplexity of the trained model (Japanese)", () =>
            $"perplexity {DemoAnalysis.Perplexity(s.Pretrained, ja, out var detail):F0} {detail}, down from {untrained:F0} before training");
        var samples = new List<(string Prompt, string Text)>();
        Measure(report, "generate (temperature 0.8, top-p 0.95, seed 1)", () =>
        {
            samples.AddRange(DemoAnalysis.Generate(s.Pretrained, ["日本の歴史は", "東京都は", "The city of"]));
            return string.Join(" / ", samples.Select(x => $"{x.Prompt}→{DemoAnalysis.Short(x.Text)}"));
        });
        Measure(report, "a full-width prompt and its half-width twin (the Tanuki normalisation bug), same sampling seed", () =>
        {
            // The tokenizer is trained with nmt_nfkc (spm_train's default), so text typed in full width reaches the
            // model as the same tokens as its NFKC twin, not as byte-fallback pieces it never saw in training.
            string[] twins = ["１２３円です。質問：日本の首都は？", "123円です。質問:日本の首都は?"];
            var answers = DemoAnalysis.Generate(s.Pretrained, twins).ToList();
            samples.AddRange(answers);
            var tokenizer = SpmTokenizer.Load(Path.Combine(s.Tokenizer, "tokenizer.model"));
            bool sameIds = tokenizer.Encode(twins[0]).SequenceEqual(tokenizer.Encode(twins[1]));
            bool sameAnswer = answers[0].Text == answers[1].Text;
            return $"{(sameIds ? "same token ids" : "DIFFERENT token ids")}, {(sameAnswer ? "same answer" : "DIFFERENT answers")}: {twins[0]}→{DemoAnalysis.Short(answers[0].Text)} / {twins[1]}→{DemoAnalysis.Short(answers[1].Text)}";
        });
        var pretrainRun = Path.GetDirectoryName(s.Pretrained)!;
        Measure(report, "eval sweep: the task scores of every checkpoint, logged during training (eval.tasks)", () =>
        {
            CliStage.Invoke(["eval", "sweep", pretrainRun, "--output", Path.Combine(folder, "sweep.md")]);
            return string.Join(" → ", Training.TaskEval.CheckpointSweep.Results(pretrainRun).Select(c => $"{c.Summary.Model.Split('/')[^1]} avg {c.Summary.Metrics.GetValueOrDefault("avg"):F3}"))
                + " (first 4 samples per task) — table in sweep.md";
        });
        Measure(report, $"held-out questions answered by the pretrained and the SFT model (the SFT run's chat template and system prompt for both, greedy, {AnswerTokens} new tokens)", () =>
            Answers(report, "Held-out questions: pretrained vs SFT", ["question", "pretrained answer", "SFT answer", "reference"], output,
                DemoSftAnswers.Run(s.Pretrained, s.Sft, s.SftConfig, s.Questions, s.QuestionCount, AnswerTokens), "pretrained", "SFT",
                $"Both models get the same prompt: the SFT run's chat template with the system prompt of its config, greedy decoding, at most {AnswerTokens} new tokens (… marks an answer cut off there). None of these questions is in the SFT data."));
        report.AddTable("Synthetic SFT records (synth regenerate)",
            "Written by the demo's SFT model through `tsumugi synth run` against the OpenAI-compatible server; a real run points the same config at a stronger model.",
            ["prompt", "synthesized answer"], ServedSynth.Samples(s.Synth, 3));
        Measure(report, "DPO: held-out preference accuracy (chosen answer likelier than rejected)", () =>
        {
            var accuracy = DemoDpo.HeldOutPreferenceAccuracy(s.DpoConfig, s.Sft, s.Dpo);
            return $"held-out preference accuracy (chosen answer likelier than rejected, {accuracy.Pairs} pairs never trained on) {accuracy.Sft:P0} SFT → {accuracy.Dpo:P0} DPO";
        });
        Measure(report, $"held-out questions answered by the SFT and the DPO model (same chat template and system prompt, greedy, {AnswerTokens} new tokens)", () =>
            Answers(report, "Held-out questions: SFT vs DPO", ["question", "SFT answer", "DPO answer", "reference"], output,
                DemoSftAnswers.Run(s.Sft, s.Dpo, s.SftConfig, s.Questions, s.QuestionCount, AnswerTokens), "SFT", "DPO",
                "The same prompts as above; the DPO model is the SFT model after preference optimisation on pairs whose rejected answer is an evasive non-answer (「わかりません。」…)."));
        Measure(report, "the upcycled MoE against its dense parent, and its router after training", () =>
            $"before training its logits equal the dense model's (largest difference {DemoMoe.MaxLogitDifference(s.Pretrained, s.Moe, ja[0]):E1} on a held-out text); " +
            "expert share of the top-2 choices: " + DemoMoe.ExpertShares(Path.GetDirectoryName(s.MoeTrained)!));
        Measure(report, "the Q4_K_M GGUF in llama.cpp", () =>
        {
            var llama = DemoMoe.LlamaCpp(DemoCommand.RepositoryRoot() ?? ".", s.Gguf, "日本の歴史は", 16);
            return llama is null
                ? "llama.cpp not installed here (scripts/install-test-deps.sh installs node-llama-cpp), so it was not run"
                : $"llama.cpp greedy: 日本の歴史は→{DemoAnalysis.Short((string)llama["text"]!)} ({(double)llama["tokens_per_s"]!:N0} tokens/s, 1 thread)";
        });
        if (s.DataParallelSteps > 0)
            Measure(report, $"data parallelism: the same {s.DataParallelSteps}-step run on 1 process and on 2 MPI ranks with ZeRO-1 (mpirun, same global batch)", () =>
                DemoDataParallel.Run(s.TrainConfig, s.Data, s.Tokenizer, folder, s.DataParallelSteps, CliStage.Invoke));
        report.Image("training loss and held-out loss", Path.GetRelativePath(folder, Path.Combine(pretrainRun, "loss.png")));
        foreach (var (prompt, text) in samples) report.Sample(prompt, text);
        File.WriteAllText(Path.Combine(folder, "report.md"), report.ToMarkdown());
        File.WriteAllText(Path.Combine(folder, "report.html"), report.ToHtml());
        return $"{Path.GetFileName(folder)}/report.md and report.html";
    }

    /// <summary>A side-by-side answers table, and the stage line summarising it.</summary>
    static string Answers(DemoReport report, string title, string[] headers, string output, DemoSftAnswers.Comparison comparison, string before, string after, string note)
    {
        // "…": the answer ran into the token limit instead of ending its turn. "(no text)": tokens that decode to
        // nothing or to white space only — what the pretrained model, which never saw [INST], says here.
        static string Cell(string answer, bool ended) => (answer.Length == 0 ? "(no text)" : answer) + (ended ? "" : " …");
        report.AddTable(title, $"{note} Template: `{Path.GetRelativePath(output, comparison.TemplateOrigin)}`.", headers,
            comparison.Answers.Select(a => (IReadOnlyList<string>)[a.Question, Cell(a.Base, a.BaseEnded), Cell(a.Sft, a.SftEnded), a.Reference]).ToList());
        int n = comparison.Answers.Count;
        return $"{n} questions; loss on the reference answers' tokens {comparison.BaseAnswerLoss:F2} ({before}) → {comparison.SftAnswerLoss:F2} ({after}); " +
               $"answers that end the turn (EOS) before the limit: {comparison.Answers.Count(a => a.BaseEnded)}/{n} {before}, {comparison.Answers.Count(a => a.SftEnded)}/{n} {after} — side by side below";
    }

    static void Measure(DemoReport report, string name, Func<string> measure)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = measure();
        report.Stage(name, result, clock.Elapsed);
        Spectre.Console.AnsiConsole.MarkupLine($"  [green]✓[/] {Spectre.Console.Markup.Escape(name)}: {Spectre.Console.Markup.Escape(result)}");
    }
}
