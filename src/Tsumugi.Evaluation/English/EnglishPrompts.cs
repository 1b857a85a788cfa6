namespace Tsumugi.Evaluation.English;

/// <summary>A document and the full context the model reads before its continuation or generation.</summary>
public sealed record EnglishPrompt(EnglishDoc Doc, string Context);

/// <summary>
/// Reads a task's evaluation and few-shot files and builds every document's context as the harness does: few-shot
/// examples per <see cref="FewShotSampler"/> (drawn in document order, after --limit), MMLU's per-subject description
/// and dev split. Done before the model loads, so a bad file fails in milliseconds.
/// </summary>
public static class EnglishPrompts
{
    /// <param name="fewShotPath">The split few-shot examples come from (HellaSwag, ARC, TriviaQA: train; GSM8K: train;
    /// MMLU: the dev CSVs, by default looked for under <paramref name="path"/>). Needed only when shots &gt; 0.</param>
    public static IReadOnlyList<EnglishPrompt> Build(EnglishTask task, string path, string? fewShotPath, EnglishRunOptions options)
    {
        options.Validate();
        int shots = options.ShotsFor(task);
        if (task.Name == "mmlu") return Mmlu(task, path, fewShotPath ?? path, shots, options.Limit);
        if (shots > 0 && fewShotPath is null)
            throw new ArgumentException($"{task.Name}: {shots}-shot needs the split the harness draws few-shot examples from: pass --fewshot {task.Name}=TRAIN_FILE (or --shots 0).");
        var docs = Take(EnglishDatasets.Read(task, path), options.Limit);
        if (docs.Count == 0) throw new InvalidDataException($"{task.Name}: {path}: no documents.");
        IReadOnlyList<EnglishDoc> pool = shots > 0 ? EnglishDatasets.Read(task, fewShotPath!).ToList() : [];
        var sampler = new FewShotSampler(task, pool, shots);
        return docs.Select(d => new EnglishPrompt(d, HarnessPrompt.Build("", sampler.Next(d), d.Text))).ToList();
    }

    static List<EnglishDoc> Take(IEnumerable<EnglishDoc> docs, int? limit) => (limit is { } n ? docs.Take(n) : docs).ToList();

    static List<EnglishPrompt> Mmlu(EnglishTask task, string path, string devPath, int shots, int? limit)
    {
        var dev = shots > 0 ? EnglishDatasets.MmluFiles(devPath, "dev").ToDictionary(x => x.Subject, x => x.File) : [];
        var prompts = new List<EnglishPrompt>();
        foreach (var (subject, file) in EnglishDatasets.MmluFiles(path, "test"))
        {
            var docs = Take(EnglishDatasets.Read(task, file), limit);
            IReadOnlyList<EnglishDoc> pool = [];
            if (shots > 0)
            {
                if (!dev.TryGetValue(subject, out var devFile))
                    throw new FileNotFoundException($"mmlu: no {subject}_dev.csv under {devPath} for {shots}-shot; pass --fewshot mmlu=DEV_FOLDER (MMLU's data/dev).");
                pool = EnglishDatasets.Read(task, devFile, "dev").ToList();
            }
            var sampler = new FewShotSampler(task, pool, shots);
            var description = EnglishDatasets.MmluDescription(subject);
            prompts.AddRange(docs.Select(d => new EnglishPrompt(d, HarnessPrompt.Build(description, sampler.Next(d), d.Text))));
        }
        return prompts;
    }
}
