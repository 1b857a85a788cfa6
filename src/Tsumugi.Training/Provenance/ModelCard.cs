using System.Globalization;
using System.Text;
using Tsumugi.Common;
using Tsumugi.Evaluation.Reports;
using Tsumugi.Modeling;

namespace Tsumugi.Training.Provenance;

/// <summary>What a model card states that the model directory cannot: licence, intended use, languages, eval results.</summary>
public sealed record ModelCardOptions
{
    /// <summary>SPDX-style licence id for the Hub metadata (apache-2.0, mit, cc-by-4.0, llama3.1, other, …).</summary>
    public required string License { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<string> Languages { get; init; } = ["ja", "en"];
    public string? IntendedUse { get; init; }
    /// <summary>Eval result files or directories (as <c>tsumugi eval report</c> takes them); empty = no results section.</summary>
    public IReadOnlyList<string> EvalResults { get; init; } = [];
}

/// <summary>
/// The README.md a Hugging Face model repository shows: Hub metadata (front matter), the architecture and parameter
/// counts from config.json, the training lineage and data mixture from training.json (<see cref="TrainingRecord"/>),
/// a merge's mergekit config, eval results as <c>tsumugi eval report</c>'s table, intended use and licence. Everything
/// is read from files, so the card says what was done rather than what someone remembered.
/// </summary>
public static class ModelCard
{
    public const string FileName = "README.md";

    const string DefaultUse =
        "Research and experimentation with Japanese and English language modelling. The model has not been aligned or " +
        "evaluated for safety; it can state false things fluently and reproduce biases of its training data. Do not use " +
        "it for decisions about people or where a wrong answer causes harm.";

    /// <summary>Writes <c>README.md</c> into <paramref name="modelDirectory"/> (atomically) and returns its text.</summary>
    public static string Write(string modelDirectory, ModelCardOptions options)
    {
        var text = Render(modelDirectory, options);
        AtomicFile.WriteAllText(Path.Combine(modelDirectory, FileName), text);
        return text;
    }

    public static string Render(string modelDirectory, ModelCardOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.License)) throw new ArgumentException("a model card needs a licence (--license apache-2.0, mit, other, …).");
        var configPath = Path.Combine(modelDirectory, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{configPath}: not found; a model card describes an HF model directory.");
        var config = LlamaConfig.Load(configPath);
        var record = TrainingRecord.Read(modelDirectory);
        var name = options.Name ?? new DirectoryInfo(Path.GetFullPath(modelDirectory)).Name;
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();

        sb.AppendLine("---");
        sb.AppendLine(ci, $"license: {options.License}");
        sb.AppendLine("language:");
        foreach (var language in options.Languages) sb.AppendLine(ci, $"- {language}");
        sb.AppendLine("library_name: transformers");
        sb.AppendLine("pipeline_tag: text-generation");
        sb.AppendLine("tags:");
        sb.AppendLine("- tsumugi");
        sb.AppendLine(ci, $"- {config.ModelType}");
        sb.AppendLine("---");
        sb.AppendLine();
        sb.AppendLine(ci, $"# {name}");
        sb.AppendLine();
        var a = ModelAccounting.For(config);
        var active = config.IsMoE ? $" ({Parameters(a.ActiveParameters)} active per token)" : "";
        sb.AppendLine(ci, $"A {Parameters(a.TotalParameters)}-parameter {string.Join("/", config.Architectures)} model{active}, built with Tsumugi.");
        sb.AppendLine();
        AppendArchitecture(sb, config, a);
        AppendTraining(sb, record);
        AppendMerge(sb, modelDirectory);
        AppendEvaluation(sb, options.EvalResults);
        sb.AppendLine("## Intended use and limitations");
        sb.AppendLine();
        sb.AppendLine(options.IntendedUse ?? DefaultUse);
        sb.AppendLine();
        AppendUsage(sb, modelDirectory);
        sb.AppendLine("## Licence");
        sb.AppendLine();
        sb.AppendLine(ci, $"`{options.License}`. The training data's own licences apply to what the model reproduces from it.");
        return sb.ToString();
    }

    static void AppendArchitecture(StringBuilder sb, LlamaConfig c, ModelAccounting a)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine("## Model");
        sb.AppendLine();
        sb.AppendLine("| | |");
        sb.AppendLine("| --- | --- |");
        sb.AppendLine(ci, $"| architecture | {c.ModelType} ({string.Join(", ", c.Architectures)}) |");
        var active = c.IsMoE ? FormattableString.Invariant($" ({a.ActiveParameters:N0} active)") : "";
        sb.AppendLine(ci, $"| parameters | {a.TotalParameters:N0}{active} |");
        sb.AppendLine(ci, $"| layers × width | {c.NumHiddenLayers} × {c.HiddenSize}, MLP {c.IntermediateSize} |");
        sb.AppendLine(ci, $"| attention heads | {c.NumAttentionHeads} (key/value {c.NumKeyValueHeads}) |");
        if (c.IsMoE) sb.AppendLine(ci, $"| experts | {c.NumLocalExperts}, top-{c.NumExpertsPerTok} routing |");
        sb.AppendLine(ci, $"| vocabulary | {c.VocabSize:N0} |");
        sb.AppendLine(ci, $"| context | {c.MaxPositionEmbeddings:N0} tokens |");
        sb.AppendLine(ci, $"| weights | {c.TorchDtype} |");
        sb.AppendLine();
    }

    static void AppendTraining(StringBuilder sb, TrainingRecord? record)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine("## Training");
        sb.AppendLine();
        if (record is null)
        {
            sb.AppendLine("This directory holds no training record (`training.json`); it was not trained by `tsumugi train`, `sft` or `dpo`.");
            sb.AppendLine();
            return;
        }
        var lineage = record.Lineage();
        for (int i = 0; i < lineage.Count; i++)
        {
            var r = lineage[i];
            var loss = r.FinalLoss is { } l ? FormattableString.Invariant($", final loss {l:0.###}") : "";
            var heldOut = r.HeldOutLoss is { Count: > 0 } held
                ? "; held-out loss " + string.Join(", ", held.Select(kv => FormattableString.Invariant($"{kv.Key} {kv.Value:0.###}")))
                : "";
            var finished = r.Finished is { } at ? $" ({at})" : "";
            sb.AppendLine(ci, $"{i + 1}. **{r.Kind}** from `{r.Init}`: {r.Steps:N0} steps, {TokenCounts.Format(r.Tokens)} tokens{loss}{heldOut}{finished}.");
        }
        sb.AppendLine();
        foreach (var r in lineage.Where(r => r.Datasets.Count > 0))
        {
            sb.AppendLine(ci, $"Data mixture of the **{r.Kind}** run:");
            sb.AppendLine();
            sb.AppendLine("| dataset | domain | planned tokens | epochs |" + string.Concat(r.Stages.Select(s => $" {s.Name} |")));
            sb.AppendLine("| --- | --- | ---: | ---: |" + string.Concat(r.Stages.Select(_ => " ---: |")));
            foreach (var d in r.Datasets)
            {
                var weights = string.Concat(r.Stages.Select(s => s.Weights.TryGetValue(d.Name, out var w) ? FormattableString.Invariant($" {w:0.###} |") : " – |"));
                sb.AppendLine(ci, $"| {d.Name} | {d.Domain} | {TokenCounts.Format(d.PlannedTokens)} | {d.Epochs:0.##} |{weights}");
            }
            sb.AppendLine();
        }
    }

    static void AppendMerge(StringBuilder sb, string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, "merge_config.yaml");
        if (!File.Exists(path)) return;
        sb.AppendLine("## Merge");
        sb.AppendLine();
        sb.AppendLine("Merged with `tsumugi merge` from this mergekit configuration:");
        sb.AppendLine();
        sb.AppendLine("```yaml");
        sb.AppendLine(File.ReadAllText(path).TrimEnd());
        sb.AppendLine("```");
        sb.AppendLine();
    }

    static void AppendEvaluation(StringBuilder sb, IReadOnlyList<string> results)
    {
        if (results.Count == 0) return;
        var table = ComparisonTable.Build(EvalResultFinder.Find(results));
        sb.AppendLine("## Evaluation");
        sb.AppendLine();
        sb.AppendLine("From `tsumugi eval report` (perplexity: lower is better; tasks and judge scores: higher is better):");
        sb.AppendLine();
        sb.Append(MarkdownReport.Render(table));
        sb.AppendLine();
    }

    static void AppendUsage(StringBuilder sb, string modelDirectory)
    {
        sb.AppendLine("## How to use");
        sb.AppendLine();
        sb.AppendLine("```sh");
        sb.AppendLine("tsumugi generate --model . --prompt \"吾輩は\"");
        foreach (var gguf in Directory.EnumerateFiles(modelDirectory, "*.gguf").Select(Path.GetFileName).Order(StringComparer.Ordinal))
            sb.AppendLine(CultureInfo.InvariantCulture, $"llama-cli -m {gguf} -p \"吾輩は\"");
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine("The directory is a Hugging Face model directory: `AutoModelForCausalLM.from_pretrained(path)` loads it.");
        sb.AppendLine();
    }

    static string Parameters(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (n / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        _ => (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "K",
    };
}
