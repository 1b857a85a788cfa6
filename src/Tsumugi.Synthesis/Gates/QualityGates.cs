using System.Collections.Concurrent;
using Tsumugi.Common.Config;
using Tsumugi.Corpus;
using Tsumugi.Corpus.Dedup;
using Tsumugi.Corpus.Filters;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Steps;
using Tsumugi.Synthesis.Recipes;

namespace Tsumugi.Synthesis.Gates;

/// <summary>
/// The <c>gates:</c> list of a synth config: the corpus pipeline's filters (length, japanese_ratio, char_repetition,
/// ng_words, … — same names and parameters as in <c>corpus clean</c>) applied to every text a model wrote for a record,
/// plus three of synth's own: <c>refusal</c> (refusal and boilerplate phrases), <c>minhash</c> (near-duplicate prompts
/// against the seeds and within the output) and <c>judge</c> (a minimum judge score). Answers cut at max_tokens are
/// rejected first unless <c>allow_truncated</c>. A gate's rejection reads "gate: what: reason".
/// </summary>
public sealed class QualityGates
{
    /// <summary>What models say instead of answering; a hit rejects the record.</summary>
    public static IReadOnlyList<string> DefaultRefusals { get; } =
    [
        "申し訳ありませんが", "申し訳ございませんが", "お答えできません", "回答できません", "お手伝いできません", "AI言語モデルとして",
        "AIアシスタントとして、", "私はAIなので", "I'm sorry, but", "I cannot help", "As an AI language model", "I am unable to",
    ];

    /// <summary>Corpus steps that rewrite text or label it: a gate only decides.</summary>
    static readonly HashSet<string> Rewriting = ["normalize", "route", "keep_domains", "boilerplate_lines", "urls", "pii", "quality"];

    readonly List<Func<IPipelineStep?>> _filters;
    readonly ConcurrentBag<List<IPipelineStep>> _pool = [];

    public bool AllowTruncated { get; }
    public NearDuplicates? Duplicates { get; }

    /// <summary>The judge gate's minimum score (null: no judge gate) and how it asks.</summary>
    public double? MinJudgeScore { get; }
    public JudgeScoring? Judge { get; }

    /// <summary>Gate names in order, for the summary table.</summary>
    public IReadOnlyList<string> Names { get; }

    QualityGates(List<Func<IPipelineStep?>> filters, bool allowTruncated, NearDuplicates? duplicates, double? minJudgeScore, JudgeScoring? judge, IReadOnlyList<string> names)
    {
        (_filters, AllowTruncated, Duplicates, MinJudgeScore, Judge, Names) = (filters, allowTruncated, duplicates, minJudgeScore, judge, names);
        _pool.Add(Build());
    }

    /// <summary>
    /// Reads <c>gates:</c> (absent: length 1–20,000 chars, refusal, minhash at 0.9); <paramref name="invents"/> turns on
    /// the seed check of <c>minhash</c> by default.
    /// </summary>
    public static QualityGates Read(YamlSection top, string where, RecipeSetup setup, bool invents)
    {
        bool allowTruncated = top.Bool("allow_truncated", false);
        List<StepParams> steps = top.Has("gates")
            ? PipelineConfig.ReadSteps(top, where, "gates")
            : [Default("length", "{min_chars: 1, max_chars: 20000}"), Default("refusal", null), Default("minhash", "{threshold: 0.9}")];
        var filters = new List<Func<IPipelineStep?>>();
        NearDuplicates? duplicates = null;
        double? minScore = null;
        JudgeScoring? judge = null;
        var names = new List<string>();
        foreach (var step in steps)
        {
            var p = step.Read();
            if (!p.Bool("enabled", true)) { p.EnsureAllUsed(); continue; }
            names.Add(step.Step);
            switch (step.Step)
            {
                case "minhash":
                    var options = p.Has("threshold") || p.Has("bands") ? MinHashOptions.FromParams(p) : MinHashOptions.ForThreshold(0.9, 200, p.Int("ngram", 5, min: 1), (uint)p.Long("seed", 42));
                    duplicates = new NearDuplicates(options, p.Bool("against_seeds", invents));
                    p.EnsureAllUsed();
                    break;
                case "judge":
                    minScore = p.Double("min_score", 6, 1, 10);
                    judge = JudgeScoring.Read(p, setup);
                    p.EnsureAllUsed();
                    break;
                case var name when Rewriting.Contains(name):
                    throw step.Error($"'{name}' rewrites or labels text; a gate only accepts or rejects (use a filter: length, japanese_ratio, ng_words, refusal, …)");
                case "refusal":
                    filters.Add(Refusal(p));
                    break;
                default:
                    StepFactory.Create(step); // unknown names and bad parameters fail here, before the first request
                    var corpusStep = step;
                    filters.Add(() => StepFactory.Create(corpusStep));
                    break;
            }
        }
        return new QualityGates(filters, allowTruncated, duplicates, minScore, judge, names);
    }

    static StepParams Default(string name, string? yaml)
    {
        YamlDotNet.RepresentationModel.YamlNode? node = null;
        if (yaml is not null)
        {
            var stream = new YamlDotNet.RepresentationModel.YamlStream();
            stream.Load(new StringReader(yaml));
            node = stream.Documents[0].RootNode;
        }
        return new StepParams(name, node, "default gates");
    }

    /// <summary>
    /// <c>refusal</c>: the corpus keyword filter (as <c>ng_words</c>, no hit allowed) with synth's phrase list; <c>phrases</c>
    /// replaces the list, <c>extra_phrases</c> adds to it.
    /// </summary>
    static Func<IPipelineStep?> Refusal(YamlSection p)
    {
        var phrases = p.List("phrases") ?? [.. DefaultRefusals];
        phrases.AddRange(p.List("extra_phrases") ?? []);
        p.EnsureAllUsed();
        var pattern = KeywordCountFilter.LiteralPattern(phrases); // a Regex is safe to share between threads
        return () => new KeywordCountFilter("refusal", pattern, 0);
    }

    List<IPipelineStep> Build() => _filters.Select(f => f()).OfType<IPipelineStep>().ToList();

    /// <summary>The first rejection among the text gates (truncation, then the filters in order), or null when every text passes.</summary>
    public string? Check(IReadOnlyList<GatedText> texts, string key)
    {
        if (!AllowTruncated && texts.FirstOrDefault(t => t.Truncated) is { } cut)
            return $"truncated: {cut.What}: stopped at max_tokens (raise max_tokens, or allow_truncated: true)";
        if (texts.FirstOrDefault(t => t.Text.Length == 0) is { } empty) return $"empty: {empty.What}: the model wrote nothing";
        if (!_pool.TryTake(out var steps)) steps = Build();
        try
        {
            foreach (var text in texts)
            {
                var doc = new Document { Id = key, Text = text.Text, Source = new DocumentSource(key, 0, 0), InputChars = text.Text.Length };
                foreach (var step in steps)
                    if (step.Apply(doc) is { } reason) return $"{step.Name}: {text.What}: {reason}";
            }
            return null;
        }
        finally { _pool.Add(steps); }
    }
}
