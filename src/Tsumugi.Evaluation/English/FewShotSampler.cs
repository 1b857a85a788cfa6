namespace Tsumugi.Evaluation.English;

/// <summary>
/// The harness's few-shot draw (lm_eval/api/samplers.py). <c>first_n</c> takes the first n documents of the few-shot
/// split. The default sampler holds one <c>random.Random(1234)</c> for the task and, for every evaluated document in
/// order, calls <c>sample(fewshot_docs, n)</c> — or n + 1 when the task's fewshot_split equals its test_split, then
/// drops a draw equal to the evaluated document and keeps the first n. Call <see cref="Next"/> once per evaluated
/// document, in evaluation order, so the random stream is consumed exactly as the harness consumes it.
/// </summary>
public sealed class FewShotSampler(EnglishTask task, IReadOnlyList<EnglishDoc> pool, int shots, uint seed = FewShotSampler.HarnessSeed)
{
    /// <summary>lm_eval's default fewshot_random_seed.</summary>
    public const uint HarnessSeed = 1234;

    readonly PythonRandom _random = new(seed);

    public IReadOnlyList<EnglishDoc> Next(EnglishDoc doc)
    {
        if (shots == 0) return [];
        int draw = task.DrawsExtraShot ? shots + 1 : shots;
        if (draw > pool.Count)
            throw new ArgumentException($"{task.Name}: {shots} few-shot examples asked for but the few-shot file has {pool.Count} documents"
                + (task.DrawsExtraShot ? " (the harness draws one more than asked for this task)" : "") + ".");
        var drawn = task.FirstN ? pool.Take(draw) : _random.Sample(pool.Count, draw).Select(i => pool[i]);
        return drawn.Where(d => !d.SameContent(doc)).Take(shots).ToList();
    }
}
