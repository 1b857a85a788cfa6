using System.Text;
using Tsumugi.Evaluation.Scoring;
using Tsumugi.Evaluation.Tasks;
using Tsumugi.Generation;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// Runs one English task over prepared prompts (<see cref="EnglishPrompts"/>). Multiple choice: one loglikelihood
/// request per choice, continuation = " " + choice (<see cref="HarnessTokens"/>), scored by <see cref="BatchScorer"/>;
/// acc picks the largest sum, acc_norm the largest sum per character of the choice, acc_bytes per UTF-8 byte
/// (lm_eval/api/task.py process_results: the lengths are of the choice text, without the delimiter). Generation:
/// greedy, at most <see cref="EnglishRunOptions.MaxGenTokens"/> tokens, cut at the first of the task's until strings,
/// then the task's filters and exact match.
/// </summary>
public static class EnglishTaskRunner
{
    /// <param name="onProgress">(done, total): choice rows scored or prompts generated.</param>
    public static EnglishTaskResult Run(PretrainedModel model, EnglishTask task, string file, IReadOnlyList<EnglishPrompt> prompts,
        EnglishRunOptions options, Action<int, int>? onProgress = null)
    {
        options.Validate();
        if (prompts.Count == 0) throw new ArgumentException($"{task.Name}: no documents to evaluate.");
        return task.MultipleChoice ? RunMultipleChoice(model, task, file, prompts, options, onProgress)
            : RunGeneration(model, task, file, prompts, options, onProgress);
    }

    static EnglishTaskResult RunMultipleChoice(PretrainedModel model, EnglishTask task, string file, IReadOnlyList<EnglishPrompt> prompts,
        EnglishRunOptions options, Action<int, int>? onProgress)
    {
        var requests = prompts.SelectMany(p => p.Doc.Choices.Select(c =>
            HarnessTokens.Loglikelihood(model, p.Context, HarnessPrompt.TargetDelimiter + c, options.AddBos, model.ContextLength))).ToList();
        int done = 0;
        var logProbs = BatchScorer.Score(model.Model, requests, options.BatchSize, onProgress is null ? null : rows => onProgress(done += rows, requests.Count));
        int next = 0;
        var samples = new List<EnglishChoiceSample>();
        foreach (var (p, i) in prompts.Select((p, i) => (p, i)))
        {
            var choices = p.Doc.Choices.Select(c =>
            {
                var (request, lp) = (requests[next], logProbs[next++]);
                return new EnglishChoice(c, lp.Sum(), request.Ids[request.ScoreFrom..], c.EnumerateRunes().Count(), Encoding.UTF8.GetByteCount(c));
            }).ToList();
            samples.Add(Score(i, p.Doc, choices));
        }
        var metrics = task.Metrics.ToDictionary(m => m, m => samples.Average(s => s.Scores[m]));
        Dictionary<string, SubjectScore>? subjects = null;
        if (samples.Any(s => s.Subject is not null))
            subjects = samples.GroupBy(s => s.Subject ?? "").ToDictionary(g => g.Key, g => new SubjectScore(g.Count(), g.Average(s => s.Scores["acc"])));
        return new EnglishTaskResult(task.Name, file, ShotsOf(task, options), samples.Count, metrics, samples, null, subjects);
    }

    /// <summary>acc, acc_norm and acc_bytes of one document from its choices' log-likelihoods.</summary>
    public static EnglishChoiceSample Score(int index, EnglishDoc doc, IReadOnlyList<EnglishChoice> choices)
    {
        int chosen = TaskRunner.ArgMax(choices.Select(c => c.LogLikelihood));
        int chosenNorm = TaskRunner.ArgMax(choices.Select(c => c.LogLikelihood / c.Characters));
        int chosenBytes = TaskRunner.ArgMax(choices.Select(c => c.LogLikelihood / c.Bytes));
        var scores = new Dictionary<string, double>
        {
            ["acc"] = chosen == doc.Gold ? 1 : 0, ["acc_norm"] = chosenNorm == doc.Gold ? 1 : 0, ["acc_bytes"] = chosenBytes == doc.Gold ? 1 : 0,
        };
        return new EnglishChoiceSample(index, doc.Where, doc.Text, doc.Subject, doc.Gold, chosen, chosenNorm, chosenBytes, scores, choices);
    }

    static EnglishTaskResult RunGeneration(PretrainedModel model, EnglishTask task, string file, IReadOnlyList<EnglishPrompt> prompts,
        EnglishRunOptions options, Action<int, int>? onProgress)
    {
        // The harness keeps the last max_length − max_gen_toks prompt tokens.
        int limit = model.ContextLength - options.MaxGenTokens;
        if (limit < 1) throw new ArgumentException($"--max-gen-tokens {options.MaxGenTokens} leaves no room for a prompt in the model's {model.ContextLength}-token context.");
        var encoded = prompts.Select(p => HarnessTokens.Encode(model, p.Context, options.AddBos)).ToList();
        var ids = encoded.Select(e => (IReadOnlyList<int>)e[Math.Max(0, e.Length - limit)..].Select(i => (int)i).ToArray()).ToList();
        var sampling = new SamplingOptions { MaxNewTokens = options.MaxGenTokens, Temperature = 0, TopP = 1, Stop = task.Until };
        int done = 0;
        var generated = model.CreateGenerator().GenerateBatch(ids, sampling, options.BatchSize, onProgress is null ? null : () => onProgress(++done, ids.Count));
        var samples = prompts.Select((p, i) =>
        {
            var text = CutAtStops(generated[i].Text, task.Until);
            var predictions = Predictions(task, text);
            var scores = task.Name == "gsm8k"
                ? predictions.ToDictionary(kv => kv.Key, kv => HarnessExactMatch.Gsm8k.Score(kv.Value, p.Doc.Answers))
                : predictions.ToDictionary(kv => kv.Key, kv => HarnessExactMatch.TriviaQa.Score(kv.Value, p.Doc.Answers));
            return new EnglishGenerationSample(i, p.Doc.Where, p.Doc.Text, p.Doc.Answers, text, predictions, scores, encoded[i].Length > limit);
        }).ToList();
        var metrics = task.Metrics.ToDictionary(m => m, m => samples.Average(s => s.Scores[m]));
        return new EnglishTaskResult(task.Name, file, ShotsOf(task, options), samples.Count, metrics, null, samples);
    }

    /// <summary>The harness cuts the decoded text at every until string in turn (<c>s.split(term)[0]</c>): at the earliest of them.</summary>
    public static string CutAtStops(string text, IEnumerable<string> until)
    {
        foreach (var stop in until)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0) text = text[..at];
        }
        return text;
    }

    /// <summary>Each filter's answer, keyed by the metric it is scored under.</summary>
    public static Dictionary<string, string> Predictions(EnglishTask task, string generated) => task.Name switch
    {
        "gsm8k" => new() { [Gsm8kAnswer.StrictMetric] = Gsm8kAnswer.Strict(generated), [Gsm8kAnswer.FlexibleMetric] = Gsm8kAnswer.Flexible(generated) },
        // triviaqa's remove_whitespace filter: lstrip.
        "triviaqa" => new() { ["exact_match"] = generated.TrimStart() },
        _ => throw new ArgumentException($"{task.Name} is not a generation task."),
    };

    static int ShotsOf(EnglishTask task, EnglishRunOptions options) => options.ShotsFor(task);
}
