using System.Text;
using Tsumugi.Evaluation.Metrics;
using Tsumugi.Evaluation.Scoring;
using Tsumugi.Generation;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// Runs one task. Generation: greedy decoding of at most output_length tokens per prompt; the prediction is what
/// llm-jp-eval scores: the task's answer_extract_pattern groups (default: the text before the first blank line),
/// NFKC-normalised and stripped, compared with the NFKC-normalised gold answer (<see cref="Prediction"/>). Per-sample
/// metrics are averaged over the task, corpus-level ones (pearson, spearman) computed over it. Multiple choice: each
/// choice's continuation log-likelihood given the prompt (see <see cref="ChoiceTokens"/>); acc picks the largest sum,
/// acc_norm the largest sum per character of the choice.
/// </summary>
public static class TaskRunner
{
    /// <param name="onProgress">(done, total) as work completes: prompts generated, or choice rows scored.</param>
    public static TaskResult Run(PretrainedModel model, EvalTask task, TaskRunOptions options, Action<int, int>? onProgress = null)
    {
        if (options.Shots is < 0) throw new ArgumentException($"--shots must be ≥ 0 (got {options.Shots}).");
        CheckRunnable(task); // before any generation: a metric that cannot run would otherwise fail after the work is done
        int shots = options.ShotsFor(task);
        var fewShots = task.FewShots.Take(shots).ToList();
        var prompts = task.Samples.Select(s => PromptTemplate.Build(task.Instruction, fewShots, s.Input, task.Language, task.CustomPromptTemplate)).ToList();
        return task.IsMultipleChoice ? RunMultipleChoice(model, task, prompts, shots, options, onProgress)
            : RunGeneration(model, task, prompts, shots, options, onProgress);
    }

    /// <summary>The task, if every metric can be computed on this machine; else which one cannot and why (MeCab missing).</summary>
    public static EvalTask CheckRunnable(EvalTask task)
    {
        foreach (var metric in task.Metrics)
            if (GenerationMetrics.Unavailable(metric) is { } why) throw new InvalidOperationException($"{task.File}: metric {metric}: {why}");
        return task;
    }

    static TaskResult RunGeneration(PretrainedModel model, EvalTask task, List<string> prompts, int shots, TaskRunOptions options, Action<int, int>? onProgress)
    {
        int limit = model.Model.Config.MaxPositionEmbeddings - task.OutputLength;
        if (limit < 2) throw new ArgumentException($"{task.File}: output_length {task.OutputLength} leaves no room for a prompt in the model's {model.Model.Config.MaxPositionEmbeddings}-token context.");
        // Left-truncate over-long prompts (the harness does the same): the end of the prompt is what the answer follows.
        var encoded = prompts.Select(p => model.Encode(p)).ToList();
        var ids = encoded.Select(e => (IReadOnlyList<int>)e.Skip(Math.Max(0, e.Length - limit)).Select(i => (int)i).ToArray()).ToList();
        var generator = model.CreateGenerator();
        var sampling = new SamplingOptions { MaxNewTokens = task.OutputLength, Temperature = 0, TopP = 1 };
        int done = 0;
        var generated = generator.GenerateBatch(ids, sampling, options.BatchSize, // continuous: a finished row takes the next prompt
            onProgress is null ? null : () => onProgress(++done, ids.Count));
        var predictions = generated.Select(g => Prediction(g.Text, task.AnswerExtractPattern)).ToList();
        var golds = task.Samples.Select(s => Gold(s.Output)).ToList();
        var perSample = task.ScoredMetrics.Where(GenerationMetrics.IsPerSample).ToList();
        var samples = task.Samples.Select((s, i) =>
        {
            var scores = perSample.ToDictionary(m => m, m => GenerationMetrics.Score(m, predictions[i], golds[i]));
            return new GenerationSampleResult(i, s.Input, s.Output, generated[i].Text, predictions[i], scores, encoded[i].Length > limit);
        }).ToList();
        var metrics = task.ScoredMetrics.ToDictionary(m => m, m => GenerationMetrics.ScoreTask(m, predictions, golds,
            GenerationMetrics.IsPerSample(m) ? samples.Select(s => s.Scores[m]) : null));
        return new TaskResult(task.Name, task.File, shots, samples.Count, metrics, samples, null);
    }

    /// <summary>
    /// llm-jp-eval's prediction: the answer groups of <paramref name="pattern"/> (default: up to the first blank line),
    /// NFKC-normalised, then stripped (Python's str.strip).
    /// </summary>
    public static string Prediction(string generated, System.Text.RegularExpressions.Regex? pattern = null) =>
        PythonText.Strip(AnswerPattern.Extract(pattern ?? AnswerPattern.Default, generated).Normalize(NormalizationForm.FormKC));

    /// <summary>llm-jp-eval's gold answer: the sample's output NFKC-normalised (not stripped).</summary>
    public static string Gold(string output) => output.Normalize(NormalizationForm.FormKC);

    static TaskResult RunMultipleChoice(PretrainedModel model, EvalTask task, List<string> prompts, int shots, TaskRunOptions options, Action<int, int>? onProgress)
    {
        int context = model.Model.Config.MaxPositionEmbeddings;
        var requests = task.Samples.SelectMany((s, i) => s.Choices!.Select(c => ChoiceTokens.Request(model, prompts[i], c, context))).ToList();
        int done = 0;
        var logProbs = BatchScorer.Score(model.Model, requests, options.BatchSize, onProgress is null ? null : rows => onProgress(done += rows, requests.Count));
        int next = 0;
        var samples = new List<ChoiceSampleResult>();
        foreach (var (s, i) in task.Samples.Select((s, i) => (s, i)))
        {
            var choices = s.Choices!.Select(c =>
            {
                var (request, lp) = (requests[next], logProbs[next++]);
                double sum = lp.Sum();
                return new ChoiceScore(c, sum, sum / c.EnumerateRunes().Count(), request.Ids, request.ScoreFrom);
            }).ToList();
            int chosen = ArgMax(choices.Select(c => c.LogLikelihood)), chosenNorm = ArgMax(choices.Select(c => c.LogLikelihoodPerChar));
            var scores = task.Metrics.ToDictionary(m => m, m => (m == "acc" ? chosen : chosenNorm) == s.GoldIndex ? 1.0 : 0.0);
            samples.Add(new ChoiceSampleResult(i, s.Input, s.GoldIndex!.Value, s.Output, chosen, chosenNorm, scores, choices));
        }
        var metrics = task.Metrics.ToDictionary(m => m, m => samples.Average(s => s.Scores[m]));
        return new TaskResult(task.Name, task.File, shots, samples.Count, metrics, null, samples);
    }

    /// <summary>First index of the largest value (numpy argmax: ties go to the earlier choice).</summary>
    public static int ArgMax(IEnumerable<double> values)
    {
        int best = 0, i = 0;
        double max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (v > max) (max, best) = (v, i);
            i++;
        }
        return best;
    }
}
