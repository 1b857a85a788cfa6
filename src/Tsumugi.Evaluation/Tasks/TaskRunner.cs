using System.Text;
using Tsumugi.Evaluation.Metrics;
using Tsumugi.Evaluation.Scoring;
using Tsumugi.Generation;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// Runs one task. Generation: greedy decoding of at most output_length tokens per prompt; the prediction is the
/// generated text NFKC-normalised, with leading whitespace dropped and cut at the first newline (at the first blank
/// line for set_f1, whose answers span lines), compared with the NFKC-normalised gold answer. Multiple choice: each
/// choice's continuation log-likelihood given the prompt (see <see cref="ChoiceTokens"/>); acc picks the largest sum,
/// acc_norm the largest sum per character of the choice.
/// </summary>
public static class TaskRunner
{
    /// <param name="onProgress">(done, total) as work completes: prompts generated, or choice rows scored.</param>
    public static TaskResult Run(PretrainedModel model, EvalTask task, TaskRunOptions options, Action<int, int>? onProgress = null)
    {
        if (options.Shots is < 0) throw new ArgumentException($"--shots must be ≥ 0 (got {options.Shots}).");
        int shots = options.ShotsFor(task);
        var fewShots = task.FewShots.Take(shots).ToList();
        var prompts = task.Samples.Select(s => PromptTemplate.Build(task.Instruction, fewShots, s.Input)).ToList();
        return task.IsMultipleChoice ? RunMultipleChoice(model, task, prompts, shots, options, onProgress)
            : RunGeneration(model, task, prompts, shots, options, onProgress);
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
        bool multiLine = task.Metrics.Contains("set_f1");
        var samples = task.Samples.Select((s, i) =>
        {
            var prediction = Prediction(generated[i].Text, multiLine);
            var gold = s.Output.Normalize(NormalizationForm.FormKC).Trim();
            var scores = task.Metrics.ToDictionary(m => m, m => GenerationMetrics.Score(m, prediction, gold));
            return new GenerationSampleResult(i, s.Input, s.Output, generated[i].Text, prediction, scores, encoded[i].Length > limit);
        }).ToList();
        var metrics = task.Metrics.ToDictionary(m => m, m => samples.Average(s => s.Scores[m]));
        return new TaskResult(task.Name, task.File, shots, samples.Count, metrics, samples, null);
    }

    /// <summary>llm-jp-eval's answer extraction: NFKC, drop leading whitespace, keep the first line (or the first block).</summary>
    public static string Prediction(string generated, bool multiLine)
    {
        var text = generated.Normalize(NormalizationForm.FormKC).TrimStart();
        int cut = multiLine ? text.IndexOf("\n\n", StringComparison.Ordinal) : text.IndexOf('\n');
        return (cut >= 0 ? text[..cut] : text).Trim();
    }

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
    static int ArgMax(IEnumerable<double> values)
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
