namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Judges every turn of every answer with <see cref="JudgeClient"/>, <paramref name="concurrency"/> requests at a time,
/// and returns one <see cref="MtBenchSample"/> per (question, turn) in question order, whatever order they finish in.
/// Turns the model could not answer (context overflow) are recorded as failures without asking the judge. Templates
/// in <paramref name="templates"/> (a judge prompt file) replace the built-in ones of the same name.
/// </summary>
public sealed class MtBenchJudge(JudgeClient client, int concurrency, IReadOnlyDictionary<string, JudgePromptTemplate>? templates = null)
{
    public async Task<IReadOnlyList<MtBenchSample>> JudgeAsync(IReadOnlyList<MtBenchAnswer> answers,
        Action<MtBenchSample>? onJudged = null, CancellationToken cancellationToken = default)
    {
        var jobs = answers.SelectMany(a => Enumerable.Range(1, a.Turns.Count).Select(turn => (Answer: a, Turn: turn))).ToList();
        var samples = new MtBenchSample[jobs.Count];
        var gate = new object();
        await Parallel.ForEachAsync(Enumerable.Range(0, jobs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var (answer, turn) = jobs[i];
                var texts = answer.Turns.Select(t => t.Text).ToList();
                var prompt = JudgePrompts.Build(answer.Question, texts, turn, templates);
                var generated = answer.Turns[turn - 1];
                var verdict = generated.Overflowed
                    ? new JudgeVerdict(null, null, JudgeFailure.ContextOverflow,
                        $"the conversation ({generated.PromptTokens} tokens) fills the model's context; nothing was generated", 0)
                    : await client.JudgeAsync(prompt, ct).ConfigureAwait(false);
                var q = answer.Question;
                samples[i] = new MtBenchSample(q.QuestionId, q.Category, turn, q.Turns[turn - 1], q.ReferenceFor(turn),
                    generated.Text, generated.Temperature, generated.Seed, generated.PromptTokens, generated.CompletionTokens, generated.FinishReason,
                    prompt.Name, prompt.System, prompt.User, verdict.Output, verdict.Score, verdict.Failure, verdict.Error, verdict.Attempts, verdict.NoVerdictReplies);
                if (onJudged is not null) lock (gate) onJudged(samples[i]);
            }).ConfigureAwait(false);
        return samples;
    }
}
