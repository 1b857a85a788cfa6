namespace Tsumugi.Evaluation.English;

/// <summary>The English tasks, configured as lm-evaluation-harness v0.4's YAML files configure them.</summary>
public static class EnglishTasks
{
    /// <summary>hellaswag.yaml: acc, acc_norm; train split for few-shots, no fewshot_split/test_split (one extra draw).</summary>
    public static readonly EnglishTask HellaSwag = new("hellaswag", true, ["acc", "acc_norm", "acc_bytes"], 0, FirstN: false, DrawsExtraShot: true,
        "HellaSwag JSON lines with ctx_a, ctx_b, activity_label, endings, label");

    /// <summary>arc_easy.yaml / arc_challenge.yaml: "Question: {{question}}\nAnswer:", choices the texts; few-shots from train (test_split set).</summary>
    public static readonly EnglishTask ArcEasy = new("arc_easy", true, ["acc", "acc_norm", "acc_bytes"], 0, FirstN: false, DrawsExtraShot: false,
        "ARC JSON lines with question {stem, choices [{text, label}]} and answerKey (or HF's question, choices {text, label}, answerKey)");

    public static readonly EnglishTask ArcChallenge = ArcEasy with { Name = "arc_challenge" };

    /// <summary>mmlu/default: first_n few-shots from dev, acc only; the group's acc weighs subjects by size.</summary>
    public static readonly EnglishTask Mmlu = new("mmlu", true, ["acc"], 0, FirstN: true, DrawsExtraShot: false,
        "a folder of MMLU CSV files <subject>_test.csv (and <subject>_dev.csv for few-shots): question,A,B,C,D,answer without a header");

    /// <summary>gsm8k.yaml v3.0: 5-shot from train, stop at Question:, &lt;/s&gt;, &lt;|im_end|&gt;; strict-match and flexible-extract.</summary>
    public static readonly EnglishTask Gsm8k = new("gsm8k", false, [Gsm8kAnswer.StrictMetric, Gsm8kAnswer.FlexibleMetric], 5, FirstN: false, DrawsExtraShot: false,
        "GSM8K JSON lines with question and answer (ending in \"#### <number>\")")
    {
        Until = ["Question:", "</s>", "<|im_end|>"],
    };

    /// <summary>triviaqa/default.yaml: rc.nocontext validation, "Question: {{question}}?\nAnswer:", stop at \n . ,</summary>
    public static readonly EnglishTask TriviaQa = new("triviaqa", false, ["exact_match"], 0, FirstN: false, DrawsExtraShot: true,
        "TriviaQA JSON lines (HF rc.nocontext: question, answer {value, aliases}) or the official JSON {\"Data\": [{Question, Answer {Aliases}}]}")
    {
        Until = ["\n", ".", ","],
    };

    public static readonly IReadOnlyList<EnglishTask> All = [HellaSwag, ArcEasy, ArcChallenge, Mmlu, Gsm8k, TriviaQa];

    public static EnglishTask Get(string name) => All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"unknown English task '{name}'; known: {string.Join(", ", All.Select(t => t.Name))}.");
}
