namespace Tsumugi.Evaluation.Reports;

/// <summary>
/// llm-jp-eval's category averages (v1.3/1.4 <c>post_process_score_results</c>, as the Open Japanese LLM Leaderboard and
/// Nejumi print them): each category is the mean of one metric per dataset, AVG the mean of the categories. Datasets are
/// matched by task name (the task file's name, e.g. <c>jemhopqa</c>) and metric, from "task/metric" keys as
/// <c>eval tasks</c> writes them. Tsumugi's rouge2 is already on 0..1, which is llm-jp-eval's <c>xlsum_ja_rouge2_scaling</c>.
/// <para>
/// Difference, stated where it is printed: llm-jp-eval scores a category with no results as 0 and averages it into AVG;
/// Tsumugi leaves it out, names it as missing, and says over how many categories AVG is. MT counts comet_wmt22, which
/// Tsumugi cannot compute, so MT is always missing. STS (JSTS pearson) is shown but, as in llm-jp-eval, not in AVG.
/// </para>
/// </summary>
public static class LlmJpEvalCategories
{
    /// <summary>The categories AVG averages, in leaderboard order.</summary>
    public static readonly IReadOnlyList<string> Averaged = ["NLI", "QA", "RC", "MC", "EL", "FA", "MR", "MT", "HE", "CG", "SUM"];

    /// <summary>Shown, not averaged.</summary>
    public static readonly IReadOnlyList<string> Extra = ["STS"];

    /// <summary>Category → the "dataset/metric" keys that count for it.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Members = new Dictionary<string, IReadOnlyList<string>>
    {
        ["NLI"] = ["jamp/exact_match", "janli/exact_match", "jnli/exact_match", "jsem/exact_match", "jsick/exact_match"],
        ["QA"] = ["jemhopqa/char_f1", "niilc/char_f1", "aio/char_f1"],
        ["RC"] = ["jsquad/char_f1"],
        ["MC"] = ["jcommonsenseqa/exact_match", "commonsensemoralja/exact_match", "kuci/exact_match"],
        ["EL"] = ["chabsa/set_f1"],
        ["FA"] = ["wiki_reading/char_f1", "wiki_ner/set_f1", "wiki_dependency/set_f1", "wiki_pas/set_f1", "wiki_coreference/set_f1"],
        ["MR"] = ["mawps/exact_match", "mgsm/exact_match"],
        ["MT"] = ["alt-e-to-j/comet_wmt22", "alt-j-to-e/comet_wmt22", "wikicorpus-e-to-j/comet_wmt22", "wikicorpus-j-to-e/comet_wmt22"],
        ["HE"] = ["mmlu_en/exact_match", "jmmlu/exact_match"],
        ["CG"] = ["mbpp/code_exec"],
        ["SUM"] = ["xlsum_ja/rouge2"],
        ["STS"] = ["jsts/pearson"],
    };

    /// <summary>The categories with at least one counted dataset in <paramref name="metrics"/> ("task/metric" → value).</summary>
    public static CategoryScores Compute(IReadOnlyDictionary<string, double> metrics)
    {
        var averages = new Dictionary<string, double>();
        var counted = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var category in Averaged.Concat(Extra))
        {
            var present = Members[category].Where(metrics.ContainsKey).ToList();
            if (present.Count == 0) continue;
            averages[category] = present.Average(k => metrics[k]);
            counted[category] = present;
        }
        var averagedPresent = Averaged.Where(averages.ContainsKey).ToList();
        double? avg = averagedPresent.Count == 0 ? null : averagedPresent.Average(c => averages[c]);
        return new CategoryScores(averages, avg, averagedPresent.Count, Averaged.Where(c => !averages.ContainsKey(c)).ToList(), counted);
    }
}
