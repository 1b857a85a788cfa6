namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Judges model pairs on every (question, turn) in both position orders, <paramref name="concurrency"/> judge requests
/// at a time, and returns one <see cref="PairwiseJudgment"/> per (pair, question, turn) in that order whatever order the
/// requests finish in. Turn 1 uses <c>pair-v2</c> (<c>pair-math-v1</c> with references); later turns the multi-turn
/// templates, as FastChat's gen_judgment does.
/// </summary>
public sealed class PairwiseJudge(JudgeClient client, int concurrency, IReadOnlyDictionary<string, JudgePromptTemplate>? templates = null)
{
    /// <summary>Every unordered pair of models (FastChat pairwise-all), in the order given.</summary>
    public static IReadOnlyList<(string, string)> AllPairs(IReadOnlyList<string> models) =>
        models.SelectMany((a, i) => models.Skip(i + 1).Select(b => (a, b))).ToList();

    /// <summary>Every model against <paramref name="baseline"/> (FastChat pairwise-baseline), the baseline as model 2.</summary>
    public static IReadOnlyList<(string, string)> AgainstBaseline(IReadOnlyList<string> models, string baseline) =>
        models.Contains(baseline) ? models.Where(m => m != baseline).Select(m => (m, baseline)).ToList()
        : throw new ArgumentException($"baseline '{baseline}' is not one of the models ({string.Join(", ", models)}); name it after its answer file.");

    public async Task<IReadOnlyList<PairwiseJudgment>> JudgeAsync(IReadOnlyList<MtBenchQuestion> questions,
        IReadOnlyDictionary<string, ModelAnswers> answers, IReadOnlyList<(string Model1, string Model2)> pairs,
        Action<PairwiseJudgment>? onJudged = null, CancellationToken cancellationToken = default)
    {
        // Resolve every answer first: a missing one fails here, before any judge request is paid for.
        var matches = (from pair in pairs
                       from q in questions
                       let a1 = answers[pair.Model1].For(q)
                       let a2 = answers[pair.Model2].For(q)
                       from turn in Enumerable.Range(1, q.Turns.Count)
                       select (pair.Model1, pair.Model2, Question: q, Turn: turn,
                           G1: PairwisePrompts.Build(q, a1, a2, turn, templates), G2: PairwisePrompts.Build(q, a2, a1, turn, templates))).ToList();
        var games = new JudgeVerdict[matches.Count * 2];
        var results = new PairwiseJudgment[matches.Count];
        var remaining = new int[matches.Count];
        Array.Fill(remaining, 2);
        var gate = new object();
        await Parallel.ForEachAsync(Enumerable.Range(0, games.Length),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (g, ct) =>
            {
                var m = matches[g / 2];
                games[g] = await client.AskAsync(g % 2 == 0 ? m.G1 : m.G2, text => PairwiseVerdictParser.Parse(text) is not null, "[[A]], [[B]] or [[C]]", ct).ConfigureAwait(false);
                if (Interlocked.Decrement(ref remaining[g / 2]) != 0) return;
                var (v1, v2) = (games[g / 2 * 2], games[g / 2 * 2 + 1]);
                var failed = v1.Failure is not null ? v1 : v2.Failure is not null ? v2 : null;
                results[g / 2] = new PairwiseJudgment(m.Question.QuestionId, m.Question.Category, m.Turn, m.Model1, m.Model2, m.G1.Name,
                    Winner(v1, swapped: false), Winner(v2, swapped: true), v1.Output, v2.Output,
                    failed?.Failure, failed?.Error, v1.Attempts + v2.Attempts, v1.NoVerdictReplies + v2.NoVerdictReplies);
                if (onJudged is not null) lock (gate) onJudged(results[g / 2]);
            }).ConfigureAwait(false);
        return results;
    }

    static string? Winner(JudgeVerdict game, bool swapped) =>
        game.Failure is null && PairwiseVerdictParser.Parse(game.Output) is { } verdict ? PairwiseOutcome.FromVerdict(verdict, swapped) : null;
}
