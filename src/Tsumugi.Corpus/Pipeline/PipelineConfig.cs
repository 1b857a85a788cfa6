using Tsumugi.Common.Config;
using Tsumugi.Corpus.Reading;
using Tsumugi.Corpus.Steps;
using Tsumugi.Corpus.Tasks;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Corpus.Pipeline;

/// <summary>
/// A cleaning run: inputs, output, execution settings, reader settings and the ordered steps. Loaded from YAML
/// through <see cref="YamlSection"/> (every key documented in docs/corpus.md; unknown keys are errors naming the file,
/// line and key) or built from CLI flags on top of <see cref="DefaultJapaneseYaml"/>. A config that cannot be used is
/// a <see cref="FormatException"/> whatever found it (the CLI reports it as the user's mistake, without a stack trace).
/// </summary>
public sealed class PipelineConfig
{
    [ConfigKey("input")]
    public List<string> Inputs { get; set; } = [];
    public string? Output { get; set; }
    public int Workers { get; set; } = Environment.ProcessorCount;
    /// <summary>Target input bytes per output shard (the unit of parallelism and of resuming).</summary>
    public long ShardBytes { get; set; } = 64L << 20;
    /// <summary>Minimum number of shards (when there are enough files), so that all workers get work.</summary>
    public int MinShards { get; set; } = 16;
    /// <summary>This task's shards, from <c>shard: i/N</c> (see <see cref="ParseShard"/>).</summary>
    [ConfigKey("shard")]
    public int ShardIndex { get; set; }
    [NotConfigKey]
    public int ShardCount { get; set; } = 1;
    public string? KeepRejected { get; set; }
    public bool SplitByDomain { get; set; }
    public int ZstdLevel { get; set; } = 3;
    public ReaderOptions Reader { get; set; } = new();
    public List<StepParams> Steps { get; set; } = [];

    /// <summary>The default Japanese pipeline (also shipped as configs/corpus-ja.yaml).</summary>
    public const string DefaultJapaneseYaml = """
        steps:
          - normalize: { nfkc: true, fullwidth_ascii: true, whitespace: true }
          - route: { min_japanese_share: 0.25, min_code_lines: 0.5, min_math_density: 0.01 }
          - keep_domains: { domains: [ja] }
          - boilerplate_lines: { max_line_chars: 60 }
          - urls: { replacement: "" }
          - pii: { phones: true, emails: true }
          - length: { min_chars: 200, max_chars: 50000 }
          - accept_japanese: { lookup_size: 50 }
          - japanese_ratio: { min_hiragana: 0.2, max_katakana: 0.5, min_japanese: 0.5 }
          - kuten: { max_average_sentence_length: 100 }
          - ads: { max_hits: 14 }
          - bbs: { max_hits: 14 }
          - short_lines: { max_ratio: 0.5, max_line_chars: 10 }
          - ending_ellipsis: { max_ratio: 0.7 }
          - special_chars: { max_ratio: 0.4 }
          - single_char_run: { max_run: 200 }
          - char_repetition: { max_ratio: 0.33, ngram: 5 }
          - word_repetition: { max_ratio: 0.40, ngram: 7 }
          - gopher_repetition: {}
          - ng_words: { words: [], max_hits: 0 }
          - quality: { high: 0.7, medium: 0.45 }
          - minhash: { bands: 20, rows: 10, ngram: 5, seed: 42 }
        """;

    public static PipelineConfig Default(string lang = "ja")
    {
        var config = Parse(DefaultJapaneseYaml, "default pipeline");
        if (lang != "ja")
        {
            int keep = config.Steps.FindIndex(s => s.Step == "keep_domains");
            if (lang == "all") config.Steps.RemoveAt(keep);
            else
            {
                var domains = new YamlSequenceNode(lang.Split(',').Select(d => (YamlNode)new YamlScalarNode(d)));
                config.Steps[keep] = new StepParams("keep_domains", new YamlMappingNode { { "domains", domains } }, $"--lang {lang}");
            }
        }
        return config;
    }

    public static PipelineConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config '{path}' not found; pass an existing YAML file (see configs/corpus-ja.yaml)");
        return Parse(File.ReadAllText(path), path);
    }

    public static PipelineConfig Parse(string yaml, string where)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e) { throw new FormatException($"{where}:{e.Start.Line}: invalid YAML: {e.Message}"); }
        var config = new PipelineConfig();
        if (stream.Documents.Count == 0) return config;
        if (stream.Documents[0].RootNode is not YamlMappingNode root) throw new FormatException($"{where}: the top level must be a mapping of keys");
        return Checked(() =>
        {
            var s = new YamlSection(root, where, "", ConfigKeys.Of<PipelineConfig>());
            config.Inputs = s.List("input") ?? config.Inputs;
            config.Output = s.String("output");
            config.Workers = s.Int("workers", config.Workers);
            config.ShardBytes = s.Long("shard_bytes", config.ShardBytes, min: 1);
            config.MinShards = s.Int("min_shards", config.MinShards);
            if (s.String("shard") is { } shard) (config.ShardIndex, config.ShardCount) = TaskShard.TryParse(shard) ?? throw s.Error("shard", TaskShard.Bad(shard));
            config.KeepRejected = s.String("keep_rejected");
            config.SplitByDomain = s.Bool("split_by_domain", config.SplitByDomain);
            config.ZstdLevel = s.Int("zstd_level", config.ZstdLevel, min: int.MinValue); // zstd takes negative (fast) levels too
            ReadReader(s.Section("reader", allowed: null), config.Reader);
            config.Steps = ReadSteps(s, where);
            foreach (var step in config.Steps) StepFactory.Create(step); // validate every step's parameters now
            return config;
        });
    }

    /// <summary>Parses "i/N" (0-based i).</summary>
    public static (int Index, int Count) ParseShard(string spec) => TaskShard.TryParse(spec) ?? throw new FormatException($"shard {TaskShard.Bad(spec)}");

    /// <summary>
    /// Runs a config reader, turning <see cref="YamlSection"/>'s <see cref="ConfigException"/> into the
    /// <see cref="FormatException"/> this class reports every unusable config as (same message).
    /// </summary>
    static T Checked<T>(Func<T> read)
    {
        try { return read(); }
        catch (ConfigException e) { throw new FormatException(e.Message, e); }
    }

    /// <summary>The <c>reader:</c> section: every key is read, so <see cref="YamlSection.EnsureAllUsed"/> names any other.</summary>
    static void ReadReader(YamlSection r, ReaderOptions o)
    {
        o.TextField = r.String("text_field") ?? o.TextField;
        o.ParquetColumn = r.String("parquet_column") ?? o.ParquetColumn;
        o.TxtMode = r.Enum("txt_mode", o.TxtMode);
        o.MaxDocChars = r.Int("max_doc_chars", o.MaxDocChars, min: 1);
        o.ExtractHtml = r.Bool("extract_html", o.ExtractHtml);
        o.Html.MaxLinkDensity = r.Double("html_max_link_density", o.Html.MaxLinkDensity);
        o.Html.LinkDensityMaxChars = r.Int("html_link_density_max_chars", o.Html.LinkDensityMaxChars);
        o.Html.DropByClass = r.Bool("html_drop_by_class", o.Html.DropByClass);
        r.EnsureAllUsed();
    }

    /// <summary>
    /// The <c>steps:</c> list (or another key's, e.g. synth's <c>gates:</c>): each item is a step name, or a name mapped to
    /// its parameters.
    /// </summary>
    public static List<StepParams> ReadSteps(YamlSection s, string where, string key = "steps")
    {
        if (s.Node(key) is not { } node) return [];
        if (node is not YamlSequenceNode seq) throw s.Error(node, $"'{key}' must be a list");
        var steps = new List<StepParams>();
        foreach (var item in seq.Children)
        {
            if (item is YamlScalarNode name) { steps.Add(new StepParams(name.Value ?? "", null, where, item.Start.Line)); continue; }
            if (item is not YamlMappingNode { Children.Count: 1 } m) throw s.Error(item, "each step is 'name' or 'name: {key: value}'");
            var (k, v) = m.Children.First();
            var values = v is YamlScalarNode { Value: null or "" or "~" } ? null : v; // `- name:` alone: all defaults
            steps.Add(new StepParams((k as YamlScalarNode)?.Value ?? "", values, where, item.Start.Line));
        }
        return steps;
    }

    /// <summary>Builds fresh step instances (steps hold per-thread scratch state, so each worker gets its own).</summary>
    public List<IPipelineStep> BuildSteps() => Checked(() =>
    {
        var list = new List<IPipelineStep>();
        foreach (var s in Steps)
            if (StepFactory.Create(s) is { } step) list.Add(step);
        return list;
    });
}
