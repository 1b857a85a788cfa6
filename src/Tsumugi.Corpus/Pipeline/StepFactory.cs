using System.Globalization;
using Tsumugi.Common.Config;
using Tsumugi.Corpus.Dedup;
using Tsumugi.Corpus.Filters;
using Tsumugi.Corpus.Normalization;
using Tsumugi.Corpus.Routing;
using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Pipeline;

/// <summary>
/// Builds steps from their YAML names and parameters. Every step also takes <c>enabled</c> (default true) and
/// <c>domains</c> (the domains it applies to; documents not yet routed always go through).
/// </summary>
public static class StepFactory
{
    static readonly string[] JapaneseOnly = ["ja"];
    static readonly string[] Prose = ["ja", "en", "other"];

    /// <summary>Names of all steps, in the order of the default Japanese pipeline.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "normalize", "route", "keep_domains", "boilerplate_lines", "urls", "pii", "length", "accept_japanese",
        "japanese_ratio", "kuten", "ads", "bbs", "short_lines", "ending_ellipsis", "special_chars", "single_char_run",
        "char_repetition", "word_repetition", "gopher_repetition", "ng_words", "quality", "minhash",
    ];

    /// <summary>Creates the step, or null when it is disabled (<c>enabled: false</c>).</summary>
    public static IPipelineStep? Create(StepParams s)
    {
        var p = s.Read();
        bool enabled = p.Bool("enabled", true);
        string[]? defaultScope = s.Step switch
        {
            "accept_japanese" or "japanese_ratio" or "kuten" or "ads" or "bbs" => JapaneseOnly,
            "boilerplate_lines" or "short_lines" or "ending_ellipsis" or "special_chars" or "char_repetition"
                or "word_repetition" or "gopher_repetition" => Prose,
            _ => null,
        };
        List<string>? scope = s.Step == "keep_domains" ? null : p.List("domains") ?? defaultScope?.ToList();
        IPipelineStep step = s.Step switch
        {
            "normalize" => new TextNormalizer(p.Bool("nfkc", true), p.Bool("fullwidth_ascii", true), p.Bool("whitespace", true)),
            "urls" => new UrlRemover(p.String("replacement") ?? ""),
            "pii" => new PiiMasker(p.Bool("phones", true), p.Bool("emails", true)),
            "boilerplate_lines" => new BoilerplateLineRemover(p.List("extra_phrases"), p.Int("max_line_chars", 60)),
            "route" => new DomainRouter(p.Double("min_japanese_share", 0.25), p.Double("min_code_lines", 0.5), p.Double("min_math_density", 0.01)),
            "quality" => new QualityScorer(p.Double("high", 0.7), p.Double("medium", 0.45)),
            "keep_domains" => new KeepDomainsFilter((p.List("domains") ?? ["ja"]).ToHashSet()),
            "length" => new LengthFilter(p.Int("min_chars", 200), p.Int("max_chars", 50_000)),
            "accept_japanese" => new AcceptJapaneseFilter(p.Int("lookup_size", 50)),
            "japanese_ratio" => new JapaneseRatioFilter(p.Double("min_hiragana", 0.2), p.Double("max_katakana", 0.5), p.Double("min_japanese", 0.5)),
            "kuten" => new KutenFilter(p.Double("max_average_sentence_length", 100)),
            "ads" => new KeywordCountFilter("ads", KeywordCountFilter.LiteralPattern(Keywords(s, p, KeywordCountFilter.DefaultAdKeywords)), p.Int("max_hits", 14)),
            "bbs" => new BbsCommentsFilter(p.Int("max_hits", 14)),
            "ng_words" => NgWords(s, p),
            "short_lines" => new ShortLinesFilter(p.Double("max_ratio", 0.5), p.Int("max_line_chars", 10)),
            "ending_ellipsis" => new EndingEllipsisFilter(p.Double("max_ratio", 0.7)),
            "special_chars" => new SpecialCharsFilter(p.Double("max_ratio", 0.4)),
            "single_char_run" => new SingleCharRunFilter(p.Int("max_run", 200)),
            "char_repetition" => new CharRepetitionFilter(p.Double("max_ratio", 0.33), p.Int("ngram", 5)),
            "word_repetition" => new WordRepetitionFilter(p.Double("max_ratio", 0.40), p.Int("ngram", 7)),
            "gopher_repetition" => Gopher(p),
            "minhash" => new MinHashStep(MinHashOptions.FromParams(p)),
            _ => throw s.Error($"unknown step '{s.Step}'; known steps: {string.Join(", ", Names)}"),
        };
        p.EnsureAllUsed();
        if (!enabled) return null;
        return scope is null ? step : new DomainScopedStep(step, scope.ToHashSet());
    }

    static IEnumerable<string> Keywords(StepParams s, YamlSection p, IEnumerable<string> fallback)
    {
        var file = p.String("keywords_file");
        var inline = p.List("keywords");
        if (file is null && inline is null) return fallback;
        var words = new List<string>(inline ?? []);
        if (file is not null) words.AddRange(ReadWordFile(file, s));
        return words;
    }

    static IPipelineStep NgWords(StepParams s, YamlSection p)
    {
        var words = new List<string>(p.List("words") ?? []);
        var file = p.String("words_file");
        if (file is not null) words.AddRange(ReadWordFile(file, s));
        var pattern = KeywordCountFilter.LiteralPattern(words, p.Bool("ignore_case", false));
        return new KeywordCountFilter("ng_words", pattern, p.Int("max_hits", 0));
    }

    static IEnumerable<string> ReadWordFile(string file, StepParams s)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"{s.Where}: step '{s.Step}': word list '{file}' not found; fix the path (one word per line)");
        return File.ReadLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));
    }

    static GopherRepetitionFilter Gopher(YamlSection p)
    {
        double[] Doubles(string key, double[] fallback)
        {
            if (p.List(key) is not { } list) return fallback;
            if (list.Count != fallback.Length) throw p.Error(key, $"needs {fallback.Length} values, got {list.Count}");
            return list.Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw p.Error(key, $"'{v}' is not a number")).ToArray();
        }
        var d = new GopherRepetitionFilter();
        return new GopherRepetitionFilter
        {
            MaxDuplicateLines = p.Double("max_duplicate_lines", d.MaxDuplicateLines),
            MaxDuplicateLineChars = p.Double("max_duplicate_line_chars", d.MaxDuplicateLineChars),
            MaxDuplicateParagraphs = p.Double("max_duplicate_paragraphs", d.MaxDuplicateParagraphs),
            MaxDuplicateParagraphChars = p.Double("max_duplicate_paragraph_chars", d.MaxDuplicateParagraphChars),
            MaxTopNGram = Doubles("max_top_ngram", d.MaxTopNGram),
            MaxDuplicateNGram = Doubles("max_duplicate_ngram", d.MaxDuplicateNGram),
        };
    }
}
