using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Shards;
using Tsumugi.Evaluation;
using Tsumugi.Generation;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Metrics;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi demo`: the pipeline on the sample corpus, ending in a Markdown report. Every stage that exists runs for
/// real through the same commands a user would type; the report lists what ran, what it measured and where the
/// outputs are. Post-training so far: full SFT of the pretrained model on a small Japanese instruction set, with
/// held-out questions answered before and after.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = CommonOptions.Output("Directory for every artefact and the report.", required: false);
        output.DefaultValueFactory = _ => "demo-output";
        var corpus = new Option<string?>("--corpus") { Description = "Sample corpus directory with ja/, en/, code/ (default: ../shared/corpus next to the checkout)." };
        var vocab = new Option<int>("--vocab-size") { Description = "Tokenizer vocabulary size.", DefaultValueFactory = _ => 8000 };
        var steps = new Option<int>("--train-steps") { Description = "Pretraining steps (configs/demo.yaml: 300, a few minutes on 2 cores).", DefaultValueFactory = _ => 300 };
        var sftSteps = new Option<int>("--sft-steps") { Description = "SFT steps (configs/sft-tiny.yaml: 12 epochs = 96 steps, about a minute on 2 cores).", DefaultValueFactory = _ => 96 };
        var questions = new Option<int>("--sft-questions") { Description = "Held-out questions the pretrained, SFT and DPO models answer (of 12).", DefaultValueFactory = _ => 12 };
        var dpoSteps = new Option<int>("--dpo-steps") { Description = "DPO steps after SFT (configs/dpo-tiny.yaml: 4 pairs a step; 40 ≈ one pass over the pairs).", DefaultValueFactory = _ => 40 };
        var moeSteps = new Option<int>("--moe-steps") { Description = "Continued-pretraining steps of the upcycled 4-expert MoE (configs/demo.yaml).", DefaultValueFactory = _ => 60 };
        var dpSteps = new Option<int>("--dp-steps") { Description = "Steps of the data-parallel check (1 process vs 2 MPI ranks; skipped without mpirun).", DefaultValueFactory = _ => 20 };
        var command = new Command("demo", "Run the pipeline on the sample corpus: clean → dedup → tokenizer → tokenize → pretrain → perplexity → samples → eval → SFT → DPO → answers before/after → MoE upcycling → Q4_K_M GGUF → model card; writes report.md and report.html.")
        {
            output, corpus, vocab, steps, sftSteps, questions, dpoSteps, moeSteps, dpSteps,
        };
        command.SetAction(parse => Run(parse.GetValue(output)!, parse.GetValue(corpus), parse.GetValue(vocab), parse.GetValue(steps), parse.GetValue(sftSteps),
            parse.GetValue(questions), parse.GetValue(dpoSteps), parse.GetValue(moeSteps), parse.GetValue(dpSteps)));
        return command;
    }

    /// <summary>New tokens per held-out answer: the references are one or two sentences.</summary>
    const int SftAnswerTokens = 48;

    static int Run(string output, string? corpusOption, int vocabSize, int trainSteps, int sftSteps, int sftQuestions, int dpoSteps, int moeSteps, int dpSteps)
    {
        // Absolute: `train --set` paths are resolved against the config file's folder, not the working directory.
        output = Path.GetFullPath(output);
        Directory.CreateDirectory(output);
        var report = new DemoReport();
        var corpus = corpusOption ?? FindSharedCorpus();
        var inputs = new[] { "ja", "en", "code" }.Select(d => Path.Combine(corpus, d)).Where(Directory.Exists).ToArray();
        if (inputs.Length == 0) throw new DirectoryNotFoundException($"{corpus}: no ja/, en/ or code/ folders; pass --corpus DIR.");
        report.Line($"Sample corpus: `{corpus}` ({string.Join(", ", inputs.Select(Path.GetFileName))}).");
        string clean = Path.Combine(output, "corpus", "clean"), dedup = Path.Combine(output, "corpus", "dedup");
        string split = Path.Combine(output, "corpus", "split"), tokenizerDir = Path.Combine(output, "tokenizer");
        string modelDir = Path.Combine(output, "model"), dataDir = Path.Combine(output, "data"), runDir = Path.Combine(output, "train");
        if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true); // a demo run always starts afresh

        Stage(report, "corpus clean (configs/corpus-docs.yaml)", () =>
        {
            Cli(["corpus", "clean", "--config", ConfigPath("corpus-docs.yaml"), "--input", .. inputs, "--output", clean]);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(clean, PipelineRunner.SummaryFile)));
            var s = summary.RootElement;
            return $"{s.GetProperty("docs_kept").GetInt64():N0} of {s.GetProperty("docs_in").GetInt64():N0} documents kept " +
                   $"({s.GetProperty("chars_kept").GetInt64():N0} characters), {s.GetProperty("bytes_in").GetInt64() / 1e6 / s.GetProperty("seconds").GetDouble():F1} MB/s, books balance: {s.GetProperty("balanced").GetBoolean()}";
        });
        Stage(report, "corpus dedup (exact + MinHash 20×10)", () =>
        {
            Cli(["corpus", "dedup", "--input", clean, "--output", dedup]);
            return $"{ShardRecords.Files(dedup).Sum(f => ShardRecords.Read(f).Count()):N0} documents after deduplication";
        });
        var heldOut = new Dictionary<string, List<string>>();
        Stage(report, "held-out split (every 10th document)", () =>
        {
            Directory.CreateDirectory(split);
            using var train = new StreamWriter(Path.Combine(split, "train.jsonl"));
            int n = 0;
            foreach (var file in ShardRecords.Files(dedup))
                foreach (var record in ShardRecords.Read(file))
                {
                    if (n++ % 10 == 9)
                    {
                        if (!heldOut.TryGetValue(record.Domain, out var list)) heldOut[record.Domain] = list = [];
                        list.Add(record.Text);
                    }
                    else train.WriteLine(JsonSerializer.Serialize(new { text = record.Text, domain = record.Domain }));
                }
            return $"{n - heldOut.Values.Sum(l => l.Count):N0} training documents, held out: " +
                   string.Join(", ", heldOut.OrderBy(d => d.Key).Select(d => $"{d.Key} {d.Value.Count}"));
        });
        Stage(report, $"tokenizer train (Unigram, {vocabSize:N0} pieces, byte fallback)", () =>
        {
            Cli(["tokenizer", "train", "--input", Path.Combine(split, "train.jsonl"), "--vocab-size", vocabSize.ToString(), "--output", tokenizerDir]);
            var tokenizer = SpmTokenizer.Load(Path.Combine(tokenizerDir, "tokenizer.model"));
            var rows = heldOut.OrderBy(d => d.Key).Select(d =>
                TokenizerEvaluator.Evaluate(tokenizer, d.Key, d.Value.SelectMany(t => t.Split('\n')).Where(l => l.Length > 0).ToList()));
            return "held-out characters per token: " + string.Join(", ", rows.Select(r => $"{r.Domain} {r.CharsPerToken:F2} (byte fallback {100 * r.ByteFallbackRate:F2}%)"));
        });
        Stage(report, "model init (tiny preset, vocabulary from the tokenizer)", () =>
        {
            Cli(["model", "init", "--preset", "tiny", "--tokenizer", tokenizerDir, "--output", modelDir]);
            var config = LlamaConfig.Load(modelDir);
            var a = ModelAccounting.For(config);
            return $"{a.TotalParameters:N0} parameters (vocabulary {config.VocabSize:N0}), {a.TrainingFlopsPerToken(config, 256):E2} training FLOPs/token at seq 256";
        });
        var jaHeldOut = heldOut.GetValueOrDefault("ja") ?? heldOut.Values.First();
        double untrained = 0;
        Stage(report, "held-out perplexity of the untrained model (Japanese)", () =>
        {
            untrained = Perplexity(modelDir, jaHeldOut, out var detail);
            return $"perplexity {untrained:F0} {detail} (untrained: ≈ vocabulary size)";
        });
        Stage(report, "data tokenize (Megatron .bin/.idx, one dataset per domain)", () =>
        {
            Cli(["data", "tokenize", "--input", Path.Combine(split, "train.jsonl"), "--tokenizer", tokenizerDir, "--output", dataDir]);
            var manifest = Datasets.DatasetManifest.Load(dataDir);
            return string.Join(", ", manifest.Datasets.Select(d => $"{d.Name} {d.Tokens:N0} tokens ({d.Documents:N0} docs, {d.DType})"));
        });
        var evalTasks = RunnableEvalTasks(report);
        Stage(report, $"train (configs/demo.yaml, {trainSteps} steps)", () =>
        {
            // eval.tasks: the task set on every checkpoint between steps (first 4 samples each), as Swallow chose learning rates.
            Cli(["train", "--config", ConfigPath("demo.yaml"), "--output", runDir, "--set", $"data.path={dataDir}", "--set", $"model.tokenizer={tokenizerDir}",
                 "--set", $"train.max_steps={trainSteps}", "--set", $"schedule.warmup_steps={Math.Max(1, trainSteps / 10)}",
                 "--set", $"eval.tasks=[{string.Join(',', evalTasks)}]", "--set", "eval.max_samples=4"]);
            return TrainingSummary(runDir);
        });
        Stage(report, $"data parallelism: the same {dpSteps}-step run on 1 process and on 2 MPI ranks with ZeRO-1 (mpirun, same global batch)", () =>
            DemoDataParallel.Run(ConfigPath("demo.yaml"), dataDir, tokenizerDir, output, dpSteps, Cli));
        Stage(report, "held-out perplexity of the trained model (Japanese)", () =>
        {
            var trained = Perplexity(Path.Combine(runDir, "model"), jaHeldOut, out var detail);
            return $"perplexity {trained:F0} {detail}, down from {untrained:F0} before training";
        });
        var samples = new List<(string Prompt, string Text)>();
        Stage(report, "generate (temperature 0.8, top-p 0.95, seed 1)", () =>
        {
            samples.AddRange(Generate(Path.Combine(runDir, "model"), ["日本の歴史は", "東京都は", "The city of"]));
            return string.Join(" / ", samples.Select(s => $"{s.Prompt}→{Short(s.Text)}"));
        });
        Stage(report, "a full-width prompt and its half-width twin (the Tanuki normalisation bug), same sampling seed", () =>
        {
            // The tokenizer is trained with nmt_nfkc (spm_train's default), so text typed in full width reaches the
            // model as the same tokens as its NFKC twin, not as byte-fallback pieces it never saw in training.
            string[] twins = ["１２３円です。質問：日本の首都は？", "123円です。質問:日本の首都は?"];
            var answers = Generate(Path.Combine(runDir, "model"), twins).ToList();
            samples.AddRange(answers);
            var tokenizer = Tokenization.Encoding.SpmTokenizer.Load(Path.Combine(tokenizerDir, "tokenizer.model"));
            bool sameIds = tokenizer.Encode(twins[0]).SequenceEqual(tokenizer.Encode(twins[1]));
            bool sameAnswer = answers[0].Text == answers[1].Text;
            return $"{(sameIds ? "same token ids" : "DIFFERENT token ids")}, {(sameAnswer ? "same answer" : "DIFFERENT answers")}: {twins[0]}→{Short(answers[0].Text)} / {twins[1]}→{Short(answers[1].Text)}";
        });
        string evalDir = Path.Combine(output, "eval");
        Stage(report, "eval tasks (configs/eval: QA, NLI, maths, translation, multiple choice), untrained vs trained", () =>
        {
            if (Directory.Exists(evalDir)) Directory.Delete(evalDir, recursive: true);
            foreach (var (name, dir) in new[] { ("untrained", modelDir), ("trained", Path.Combine(runDir, "model")) })
                Cli(["eval", "tasks", "--model", dir, "--tasks", .. evalTasks, "--output", Path.Combine(evalDir, name, "tasks.json")]);
            Cli(["eval", "report", evalDir, "--output", Path.Combine(evalDir, "report.md"), "--html", Path.Combine(evalDir, "report.html")]);
            var trained = Evaluation.EvalSummary.Read(Path.Combine(evalDir, "trained", "tasks.json"));
            return $"trained model: {string.Join(", ", trained.Metrics.Select(m => $"{m.Key} {m.Value:F2}"))} — side by side in eval/report.md";
        });
        Stage(report, "eval sweep: the task scores of every checkpoint, logged during training (eval.tasks)", () =>
        {
            Cli(["eval", "sweep", runDir, "--output", Path.Combine(evalDir, "sweep.md")]);
            var checkpoints = Training.TaskEval.CheckpointSweep.Results(runDir);
            return string.Join(" → ", checkpoints.Select(c => $"{c.Summary.Model.Split('/')[^1]} avg {c.Summary.Metrics.GetValueOrDefault("avg"):F3}"))
                + " (first 4 samples per task) — table in eval/sweep.md";
        });
        string trainedModel = Path.Combine(runDir, "model"), sftDir = Path.Combine(output, "sft");
        Stage(report, $"sft (configs/sft-tiny.yaml, {sftSteps} steps, Japanese Debian Q&A)", () =>
        {
            if (Directory.Exists(sftDir)) Directory.Delete(sftDir, recursive: true);
            Cli(["sft", "--config", ConfigPath("sft-tiny.yaml"), "--output", sftDir, "--set", $"model.from={trainedModel}",
                 "--set", $"train.max_steps={sftSteps}", "--set", $"schedule.warmup_steps={Math.Min(10, Math.Max(1, sftSteps / 4))}"]);
            return TrainingSummary(sftDir) + " — answers to held-out prompts per evaluation in sft/samples.jsonl";
        });
        Stage(report, $"held-out questions answered by the pretrained and the SFT model (the SFT run's chat template and system prompt for both, greedy, {SftAnswerTokens} new tokens)", () =>
        {
            var comparison = DemoSftAnswers.Run(trainedModel, Path.Combine(sftDir, "model"), ConfigPath("sft-tiny.yaml"),
                ConfigPath(Path.Combine("sft", "debian-qa-ja-heldout.jsonl")), sftQuestions, SftAnswerTokens);
            // "…": the answer ran into the token limit instead of ending its turn. "(no text)": tokens that decode to
            // nothing or to white space only — what the pretrained model, which never saw [INST], says here.
            static string Cell(string answer, bool ended) => (answer.Length == 0 ? "(no text)" : answer) + (ended ? "" : " …");
            report.AddTable("Held-out questions: pretrained vs SFT",
                $"Both models get the same prompt: `{Path.GetRelativePath(output, comparison.TemplateOrigin)}` with the system prompt of configs/sft-tiny.yaml, " +
                $"greedy decoding, at most {SftAnswerTokens} new tokens (… marks an answer cut off there). None of these questions is in the SFT data.",
                ["question", "pretrained answer", "SFT answer", "reference"],
                comparison.Answers.Select(a => (IReadOnlyList<string>)[a.Question, Cell(a.Base, a.BaseEnded), Cell(a.Sft, a.SftEnded), a.Reference]).ToList());
            int n = comparison.Answers.Count;
            return $"{n} questions; loss on the reference answers' tokens {comparison.BaseAnswerLoss:F2} (pretrained) → {comparison.SftAnswerLoss:F2} (SFT); " +
                   $"answers that end the turn (EOS) before the limit: {comparison.Answers.Count(a => a.BaseEnded)}/{n} pretrained, {comparison.Answers.Count(a => a.SftEnded)}/{n} SFT — side by side below";
        });
        string sftModel = Path.Combine(sftDir, "model"), dpoDir = Path.Combine(output, "dpo"), dpoModel = Path.Combine(dpoDir, "model");
        Stage(report, "synth regenerate (configs/synth-regenerate.yaml): the SFT model, served over the OpenAI API, answers Debian questions again; gates; SFT records", () =>
        {
            var (summary, samples) = DemoSynth.Run(sftModel, ConfigPath("synth-regenerate.yaml"), Path.Combine(output, "synth"), Cli);
            report.AddTable("Synthetic SFT records (synth regenerate)",
                "Written by the demo's SFT model through `tsumugi synth run` against the OpenAI-compatible server; a real run points the same config at a stronger model.",
                ["prompt", "synthesized answer"], samples);
            return summary;
        });
        Stage(report, $"dpo (configs/dpo-tiny.yaml, {dpoSteps} steps from the SFT model, Debian Q&A preference pairs: chosen = the answer, rejected = an evasive non-answer)", () =>
        {
            if (Directory.Exists(dpoDir)) Directory.Delete(dpoDir, recursive: true);
            Cli(["dpo", "--config", ConfigPath("dpo-tiny.yaml"), "--output", dpoDir, "--set", $"model.from={sftModel}",
                 "--set", $"train.max_steps={dpoSteps}", "--set", $"schedule.warmup_steps={Math.Min(5, Math.Max(1, dpoSteps / 4))}"]);
            var accuracy = DemoDpo.HeldOutPreferenceAccuracy(ConfigPath("dpo-tiny.yaml"), sftModel, dpoModel);
            return TrainingSummary(dpoDir) + $"; held-out preference accuracy (chosen answer likelier than rejected, {accuracy.Pairs} pairs never trained on) " +
                   $"{accuracy.Sft:P0} SFT → {accuracy.Dpo:P0} DPO";
        });
        Stage(report, $"held-out questions answered by the SFT and the DPO model (same chat template and system prompt, greedy, {SftAnswerTokens} new tokens)", () =>
        {
            var comparison = DemoSftAnswers.Run(sftModel, dpoModel, ConfigPath("sft-tiny.yaml"),
                ConfigPath(Path.Combine("sft", "debian-qa-ja-heldout.jsonl")), sftQuestions, SftAnswerTokens);
            static string Cell(string answer, bool ended) => (answer.Length == 0 ? "(no text)" : answer) + (ended ? "" : " …");
            report.AddTable("Held-out questions: SFT vs DPO",
                "The same prompts as above; the DPO model is the SFT model after preference optimisation on pairs whose rejected answer is an evasive non-answer (「わかりません。」…).",
                ["question", "SFT answer", "DPO answer", "reference"],
                comparison.Answers.Select(a => (IReadOnlyList<string>)[a.Question, Cell(a.Base, a.BaseEnded), Cell(a.Sft, a.SftEnded), a.Reference]).ToList());
            return $"{comparison.Answers.Count} questions; loss on the reference answers' tokens {comparison.BaseAnswerLoss:F2} (SFT) → {comparison.SftAnswerLoss:F2} (DPO) — side by side below";
        });
        string moeDir = Path.Combine(output, "moe"), moeRun = Path.Combine(output, "moe-train"), moeModel = Path.Combine(moeRun, "model");
        Stage(report, "model upcycle (the pretrained model → Mixtral, 4 experts, top-2; every expert a copy of the MLP)", () =>
        {
            if (Directory.Exists(moeDir)) Directory.Delete(moeDir, recursive: true);
            Cli(["model", "upcycle", "--model", trainedModel, "--experts", "4", "--top-k", "2", "--output", moeDir]);
            var a = ModelAccounting.For(LlamaConfig.Load(moeDir));
            var difference = DemoMoe.MaxLogitDifference(trainedModel, moeDir, jaHeldOut[0]);
            return $"{a.TotalParameters:N0} parameters, {a.ActiveParameters:N0} active per token; before training its logits equal the dense model's (largest difference {difference:E1} on a held-out text)";
        });
        Stage(report, $"train the MoE (configs/demo.yaml from the upcycled model, {moeSteps} steps, load-balancing loss)", () =>
        {
            if (Directory.Exists(moeRun)) Directory.Delete(moeRun, recursive: true);
            Cli(["train", "--config", ConfigPath("demo.yaml"), "--output", moeRun, "--set", $"data.path={dataDir}", "--set", "model.preset=", "--set", $"model.from={moeDir}",
                 "--set", $"train.max_steps={moeSteps}", "--set", $"schedule.warmup_steps={Math.Max(1, moeSteps / 10)}", "--set", $"eval.interval={Math.Max(1, moeSteps / 2)}"]);
            return TrainingSummary(moeRun) + "; expert share of the top-2 choices: " + DemoMoe.ExpertShares(moeRun);
        });
        string gguf = Path.Combine(moeModel, "model-q4_k_m.gguf");
        Stage(report, "export gguf (Q4_K_M) and run it in llama.cpp", () =>
        {
            Cli(["export", "gguf", "--model", moeModel, "--output", gguf, "--quant", "q4_k_m"]);
            var size = $"{new FileInfo(gguf).Length:N0} bytes (the width-64 demo model's rows are shorter than a 256-value k-quant block, so llama.cpp's fallbacks apply: see docs/export.md)";
            var llama = DemoMoe.LlamaCpp(RepositoryRoot() ?? ".", gguf, "日本の歴史は", 16);
            return llama is null
                ? $"{size}; llama.cpp not installed here (scripts/install-test-deps.sh installs node-llama-cpp), so it was not run"
                : $"{size}; llama.cpp greedy: 日本の歴史は→{Short((string)llama["text"]!)} ({(double)llama["tokens_per_s"]!:N0} tokens/s, 1 thread)";
        });
        Stage(report, "model card (README.md: architecture, training lineage and data mixture, eval results, licence)", () =>
        {
            Cli(["model", "card", "--model", moeModel, "--license", "apache-2.0", "--name", "tsumugi-demo-moe", "--eval", Path.Combine(evalDir, "trained")]);
            var lineage = Training.Provenance.TrainingRecord.Read(moeModel)!.Lineage();
            return $"{Path.GetRelativePath(output, Path.Combine(moeModel, "README.md"))}: lineage {string.Join(" → ", lineage.Select(r => $"{r.Kind} ({r.Steps} steps)"))}";
        });
        report.Image("training loss and held-out loss", Path.GetRelativePath(output, Path.Combine(runDir, "loss.png")));
        foreach (var (prompt, text) in samples) report.Sample(prompt, text);

        var reportPath = Path.Combine(output, "report.md");
        File.WriteAllText(reportPath, report.ToMarkdown());
        File.WriteAllText(Path.Combine(output, "report.html"), report.ToHtml());
        AnsiConsole.MarkupLine($"[green]Report:[/] {Markup.Escape(reportPath)} (and report.html)");
        return 0;
    }

    /// <summary>Perplexity of a model directory on up to 8 held-out documents (first 255 tokens each, BOS prepended).</summary>
    static double Perplexity(string modelDir, IReadOnlyList<string> texts, out string detail)
    {
        using var model = PretrainedModel.Load(modelDir);
        var tokenizer = model.Tokenizer;
        double nll = 0, chars = 0;
        int tokens = 0;
        foreach (var text in texts.Take(8))
        {
            var ids = tokenizer.Encode(text).Take(255).Select(i => (long)i).Prepend(tokenizer.BosId).ToArray();
            if (ids.Length < 2) continue;
            var score = SequenceScorer.Score(model.Model, ids);
            nll += score.TotalNll;
            tokens += score.Tokens.Count;
            chars += tokenizer.Decode(ids.Skip(1).Select(i => (int)i).ToList()).Length;
        }
        detail = $"over {tokens:N0} tokens, {nll / Math.Log(2) / chars:F2} bits/char";
        return Math.Exp(nll / tokens);
    }

    /// <summary>The run's curve in one line: first and last training loss, held-out loss per domain, speed.</summary>
    /// <summary>
    /// configs/eval's task files whose metrics this machine can compute: BLEU/ROUGE need MeCab (Debian's libmecab2 +
    /// mecab-ipadic-utf8), which the demo does not require, so without it the translation task is left out and said so.
    /// </summary>
    static IReadOnlyList<string> RunnableEvalTasks(DemoReport report)
    {
        var files = Evaluation.Suites.TaskSuite.Files([ConfigPath("eval")]);
        var unavailable = files.Where(f => Evaluation.Tasks.EvalTaskFile.Load(f).Metrics.Any(m => Evaluation.Metrics.GenerationMetrics.Unavailable(m) is not null)).ToList();
        if (unavailable.Count > 0)
            report.Line($"Left out of the eval tasks: {string.Join(", ", unavailable.Select(Path.GetFileName))} ({Evaluation.Metrics.MeCabTagger.Unavailable}).");
        return files.Except(unavailable).ToList();
    }

    static string TrainingSummary(string runDir)
    {
        var lines = Training.Loop.JsonLinesLog.Read(Path.Combine(runDir, "metrics.jsonl"));
        var evaluations = lines.Where(l => l["val_loss"] is not null).ToList();
        var heldOut = evaluations.Count == 0 ? "" : "; held-out loss " + string.Join(", ",
            evaluations[^1]["val_loss"]!.AsObject().Select(kv => $"{kv.Key} {(double)evaluations[0]["val_loss"]![kv.Key]!:F2} → {(double)kv.Value!:F2} (step {evaluations[0]["step"]} → {evaluations[^1]["step"]})"));
        var speed = lines.Skip(1).Average(l => (double)l["tokens_per_s"]!);
        var mfu = lines.Skip(1).Average(l => (double)l["mfu"]!);
        return $"{lines.Count} steps, {(long)lines[^1]["tokens"]!:N0} tokens; training loss {(double)lines[0]["loss"]!:F2} → {(double)lines[^1]["loss"]!:F2}{heldOut}; {speed:N0} tokens/s, MFU {100 * mfu:F0}%";
    }

    static string Short(string text) => text.ReplaceLineEndings(" ")[..Math.Min(20, text.Length)] + "…";

    static IEnumerable<(string Prompt, string Text)> Generate(string modelDir, string[] prompts)
    {
        using var model = PretrainedModel.Load(modelDir);
        var tokenizer = model.Tokenizer;
        var options = new SamplingOptions { MaxNewTokens = 40, Temperature = 0.8, TopP = 0.95, Seed = 1 };
        foreach (var prompt in prompts)
        {
            var ids = tokenizer.Encode(prompt).Prepend(tokenizer.BosId).ToList();
            var generated = TokenSampler.Generate(model.Model, ids, options, [tokenizer.EosId]);
            yield return (prompt, tokenizer.Decode(generated.ToList()));
        }
    }

    /// <summary>Runs a stage through the CLI itself, so the demo does exactly what the documented commands do.</summary>
    static void Cli(string[] args)
    {
        int code = CliApp.Run(args);
        if (code != 0) throw new InvalidOperationException($"`tsumugi {string.Join(' ', args)}` failed (exit code {code}).");
    }

    static void Stage(DemoReport report, string name, Func<string> run)
    {
        AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(name)}[/]").LeftJustified());
        var sw = Stopwatch.StartNew();
        var result = run();
        report.Stage(name, result, sw.Elapsed);
        AnsiConsole.MarkupLine($"[green]✓[/] {Markup.Escape(result)} [grey]({sw.Elapsed.TotalSeconds:F1} s)[/]");
    }

    static string ConfigPath(string name) => Path.Combine(RepositoryRoot() ?? ".", "configs", name);

    /// <summary>
    /// The checkout: above the working directory or the binary, else above this source file — a build with
    /// --artifacts-path (the tests' builds) puts the binary outside the tree, and the checkout is then where it was built.
    /// </summary>
    static string? RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, Path.GetDirectoryName(source) ?? "" }.Where(s => s.Length > 0))
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Tsumugi.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>../shared/corpus beside the repository root.</summary>
    static string FindSharedCorpus()
    {
        var candidate = RepositoryRoot() is { } root ? Path.GetFullPath(Path.Combine(root, "..", "shared", "corpus")) : null;
        return candidate is not null && Directory.Exists(candidate) ? candidate
            : throw new DirectoryNotFoundException("sample corpus not found at ../shared/corpus; pass --corpus DIR (or fetch one with `tsumugi corpus sample`).");
    }
}
