namespace Tsumugi.Evaluation.Reports;

/// <summary>
/// The report's rule for "best", read from the metric name alone (so it works for any kind, including ones added later):
/// <list type="number">
/// <item>counts — the last '/'-part is judged, count, n, samples, examples, questions, tokens, documents or bytes — are
/// not ranked (<see cref="Better.None"/>);</item>
/// <item>lower is better when a word of the name (split at / _ - .) is ppl, perplexity, bits, bpb, bpc, bpt, loss, nll,
/// failure(s), error(s), timeout, wer or cer;</item>
/// <item>higher is better otherwise (accuracy, exact match, F1, judge scores, …).</item>
/// </list>
/// </summary>
public static class MetricDirection
{
    static readonly HashSet<string> Counts = ["judged", "count", "n", "samples", "examples", "questions", "tokens", "documents", "bytes"];
    static readonly HashSet<string> LowerWords = ["ppl", "perplexity", "bits", "bpb", "bpc", "bpt", "loss", "nll", "failure", "failures", "error", "errors", "timeout", "wer", "cer"];

    public static Better For(string metric)
    {
        var name = metric.ToLowerInvariant();
        if (Counts.Contains(name[(name.LastIndexOf('/') + 1)..])) return Better.None;
        return name.Split(['/', '_', '-', '.'], StringSplitOptions.RemoveEmptyEntries).Any(LowerWords.Contains) ? Better.Lower : Better.Higher;
    }
}
