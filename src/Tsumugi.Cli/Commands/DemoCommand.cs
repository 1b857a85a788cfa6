using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi demo`: `tsumugi pipeline run configs/demo-pipeline.yaml` on the sample corpus — clean, dedup, tokenizer,
/// tokenize, pretrain with checkpoint evals, eval, SFT, synthetic data, DPO, MoE upcycling and its training, GGUF,
/// a release folder with its card, and a report measuring them. The options only shorten or redirect the pipeline
/// (they become its --set overrides), so a rerun with the same options skips everything already finished.
/// </summary>
public static class DemoCommand
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "demo";
    internal const string Description =
        "Run configs/demo-pipeline.yaml on the sample corpus: clean → dedup → tokenizer → tokenize → pretrain → eval → SFT → synth → DPO → " +
        "MoE upcycling → Q4_K_M GGUF → release with model card → report.md/html. Rerunning skips finished stages.";

    public const string PipelineFile = "demo-pipeline.yaml";

    public static Command Create()
    {
        var output = CommonOptions.Output("Directory for every stage's folder and the report.", required: false);
        output.DefaultValueFactory = _ => "demo-output";
        var corpus = new Option<string?>("--corpus") { Description = "Sample corpus directory with ja/, en/, code/ (default: ../shared/corpus next to the checkout)." };
        var vocab = new Option<int>("--vocab-size") { Description = "Tokenizer vocabulary size.", DefaultValueFactory = _ => 8000 };
        var steps = new Option<int>("--train-steps") { Description = "Pretraining steps (configs/demo.yaml: 300, a few minutes on 2 cores).", DefaultValueFactory = _ => 300 };
        var sftSteps = new Option<int>("--sft-steps") { Description = "SFT steps (configs/sft-tiny.yaml: 12 epochs = 96 steps, about a minute on 2 cores).", DefaultValueFactory = _ => 96 };
        var questions = new Option<int>("--sft-questions") { Description = "Held-out questions the pretrained, SFT and DPO models answer (of 12).", DefaultValueFactory = _ => 12 };
        var dpoSteps = new Option<int>("--dpo-steps") { Description = "DPO steps after SFT (configs/dpo-tiny.yaml: 4 pairs a step; 40 ≈ one pass over the pairs).", DefaultValueFactory = _ => 40 };
        var moeSteps = new Option<int>("--moe-steps") { Description = "Continued-pretraining steps of the upcycled 4-expert MoE (configs/demo.yaml).", DefaultValueFactory = _ => 60 };
        var dpSteps = new Option<int>("--dp-steps") { Description = "Steps of the data-parallel check (1 process vs 2 MPI ranks; skipped without mpirun).", DefaultValueFactory = _ => 20 };
        var command = new Command(Name, Description)
        {
            output, corpus, vocab, steps, sftSteps, questions, dpoSteps, moeSteps, dpSteps,
        };
        command.SetAction(parse =>
        {
            // Only what the user gave becomes a --set: the defaults are the pipeline file's own values, so
            // `./tsumugi demo` and `tsumugi pipeline run configs/demo-pipeline.yaml` fingerprint (and skip) alike.
            bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
            static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
            var sets = new List<string>();
            if (parse.GetValue(corpus) is { } c) sets.Add($"clean.input=[{string.Join(", ", CorpusFolders(c))}]");
            else CorpusFolders(FindSharedCorpus()); // fails early, naming the folder, when the sample corpus is missing
            if (Given(vocab)) sets.Add($"tokenizer.vocab_size={N(parse.GetValue(vocab))}");
            void Steps(Option<int> option, string stage, Func<int, int> warmup)
            {
                if (!Given(option)) return;
                int n = parse.GetValue(option);
                sets.Add($"{stage}.set.train.max_steps={N(n)}");
                sets.Add($"{stage}.set.schedule.warmup_steps={N(warmup(n))}");
            }
            Steps(steps, "pretrain", n => Math.Max(1, n / 10));
            Steps(sftSteps, "sft", n => Math.Min(10, Math.Max(1, n / 4)));
            Steps(dpoSteps, "dpo", n => Math.Min(5, Math.Max(1, n / 4)));
            Steps(moeSteps, "moe-train", n => Math.Max(1, n / 10));
            if (Given(moeSteps)) sets.Add($"moe-train.set.eval.interval={N(Math.Max(1, parse.GetValue(moeSteps) / 2))}");
            if (Given(questions)) sets.Add($"report.question_count={N(parse.GetValue(questions))}");
            if (Given(dpSteps)) sets.Add($"report.data_parallel_steps={N(parse.GetValue(dpSteps))}");
            return Run(parse.GetValue(output)!, sets);
        });
        return command;
    }

    static int Run(string output, IReadOnlyList<string> sets)
    {
        output = Path.GetFullPath(output);
        int code = PipelineCommands.RunPipeline(ConfigPath(PipelineFile), output, sets);
        if (code != 0) return code;
        AnsiConsole.MarkupLine($"[green]Report:[/] {Markup.Escape(Path.Combine(output, "report", "report.md"))} (and report.html)");
        AnsiConsole.MarkupLine($"[green]Dashboard:[/] ./tsumugi dashboard --runs {Markup.Escape(output)}   then open the URL it prints (loss curves, evals, samples)");
        return 0;
    }

    static string[] CorpusFolders(string corpus)
    {
        var inputs = new[] { "ja", "en", "code" }.Select(d => Path.Combine(corpus, d)).Where(Directory.Exists).ToArray();
        return inputs.Length > 0 ? inputs : throw new DirectoryNotFoundException($"{corpus}: no ja/, en/ or code/ folders; pass --corpus DIR.");
    }

    public static string ConfigPath(string name) => Path.Combine(RepositoryRoot() ?? ".", "configs", name);

    /// <summary>
    /// The checkout: above the working directory or the binary, else above this source file — a build with
    /// --artifacts-path (the tests' builds) puts the binary outside the tree, and the checkout is then where it was built.
    /// </summary>
    public static string? RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
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
