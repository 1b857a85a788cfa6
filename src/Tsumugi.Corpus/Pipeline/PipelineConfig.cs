using System.Globalization;
using Tsumugi.Corpus.Reading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Corpus.Pipeline;

/// <summary>
/// A cleaning run: inputs, output, execution settings, reader settings and the ordered steps. Loaded from YAML
/// (every key documented in docs/corpus.md; unknown keys are errors naming the key and its line) or built from
/// CLI flags on top of <see cref="DefaultJapaneseYaml"/>.
/// </summary>
public sealed class PipelineConfig
{
    public List<string> Inputs { get; set; } = [];
    public string? Output { get; set; }
    public int Workers { get; set; } = Environment.ProcessorCount;
    /// <summary>Target input bytes per output shard (the unit of parallelism and of resuming).</summary>
    public long ShardBytes { get; set; } = 64L << 20;
    /// <summary>Minimum number of shards (when there are enough files), so that all workers get work.</summary>
    public int MinShards { get; set; } = 16;
    public int ShardIndex { get; set; }
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
            var keep = config.Steps.First(s => s.Step == "keep_domains");
            if (lang == "all") config.Steps.Remove(keep);
            else keep.Set("domains", lang.Split(',').ToList());
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
        foreach (var (k, v) in root.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            string at = $"{where}:{k.Start.Line}";
            switch (key)
            {
                case "input": config.Inputs = Strings(v, at, key); break;
                case "output": config.Output = Scalar(v, at, key); break;
                case "workers": config.Workers = Int(v, at, key); break;
                case "shard_bytes": config.ShardBytes = long.Parse(Scalar(v, at, key), CultureInfo.InvariantCulture); break;
                case "min_shards": config.MinShards = Int(v, at, key); break;
                case "shard": (config.ShardIndex, config.ShardCount) = ParseShard(Scalar(v, at, key)); break;
                case "keep_rejected": config.KeepRejected = Scalar(v, at, key); break;
                case "split_by_domain": config.SplitByDomain = Scalar(v, at, key) is "true" or "yes"; break;
                case "zstd_level": config.ZstdLevel = Int(v, at, key); break;
                case "reader": ParseReader(v, config.Reader, where); break;
                case "steps": config.Steps = ParseSteps(v, where); break;
                default: throw new FormatException($"{at}: unknown key '{key}'; known keys: input, output, workers, shard_bytes, min_shards, shard, keep_rejected, split_by_domain, zstd_level, reader, steps");
            }
        }
        foreach (var step in config.Steps) StepFactory.Create(CloneForValidation(step));
        return config;
    }

    /// <summary>Parses "i/N" (0-based i).</summary>
    public static (int Index, int Count) ParseShard(string spec)
    {
        var parts = spec.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n > 0 && i >= 0 && i < n) return (i, n);
        throw new FormatException($"shard '{spec}': expected i/N with 0 ≤ i < N, e.g. 0/4 (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)");
    }

    static StepParams CloneForValidation(StepParams s) => s.Clone();

    static void ParseReader(YamlNode node, ReaderOptions r, string where)
    {
        if (node is not YamlMappingNode map) throw new FormatException($"{where}:{node.Start.Line}: 'reader' must be a mapping");
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            string at = $"{where}:{k.Start.Line}";
            switch (key)
            {
                case "text_field": r.TextField = Scalar(v, at, key); break;
                case "parquet_column": r.ParquetColumn = Scalar(v, at, key); break;
                case "txt_mode":
                    r.TxtMode = Scalar(v, at, key) switch
                    {
                        "file" => TextMode.File,
                        "paragraph" => TextMode.Paragraph,
                        var other => throw new FormatException($"{at}: reader.txt_mode '{other}': use 'file' or 'paragraph'"),
                    };
                    break;
                case "max_doc_chars": r.MaxDocChars = Int(v, at, key); break;
                case "extract_html": r.ExtractHtml = Scalar(v, at, key) is "true" or "yes"; break;
                case "html_max_link_density": r.Html.MaxLinkDensity = double.Parse(Scalar(v, at, key), CultureInfo.InvariantCulture); break;
                case "html_link_density_max_chars": r.Html.LinkDensityMaxChars = Int(v, at, key); break;
                case "html_drop_by_class": r.Html.DropByClass = Scalar(v, at, key) is "true" or "yes"; break;
                default: throw new FormatException($"{at}: unknown key 'reader.{key}'; known keys: text_field, parquet_column, txt_mode, max_doc_chars, extract_html, html_max_link_density, html_link_density_max_chars, html_drop_by_class");
            }
        }
    }

    static List<StepParams> ParseSteps(YamlNode node, string where)
    {
        if (node is not YamlSequenceNode seq) throw new FormatException($"{where}:{node.Start.Line}: 'steps' must be a list");
        var steps = new List<StepParams>();
        foreach (var item in seq.Children)
        {
            string at = $"{where}:{item.Start.Line}";
            if (item is YamlScalarNode name) { steps.Add(new StepParams(name.Value ?? "", at)); continue; }
            if (item is not YamlMappingNode m || m.Children.Count != 1)
                throw new FormatException($"{at}: each step is 'name' or 'name: {{key: value}}'");
            var (k, v) = m.Children.First();
            var stepName = ((YamlScalarNode)k).Value ?? "";
            var values = new Dictionary<string, object>(StringComparer.Ordinal);
            if (v is YamlMappingNode pm)
            {
                foreach (var (pk, pv) in pm.Children)
                {
                    var pkey = ((YamlScalarNode)pk).Value ?? "";
                    values[pkey] = pv switch
                    {
                        YamlScalarNode s => s.Value ?? "",
                        YamlSequenceNode l => l.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw new FormatException($"{where}:{c.Start.Line}: '{pkey}' must be a list of plain values")).ToList(),
                        _ => throw new FormatException($"{where}:{pv.Start.Line}: step '{stepName}': '{pkey}' must be a value or a list"),
                    };
                }
            }
            else if (v is YamlScalarNode { Value: not (null or "" or "~") } sv)
                throw new FormatException($"{at}: step '{stepName}': parameters must be a mapping, got '{sv.Value}'");
            steps.Add(new StepParams(stepName, at, values));
        }
        return steps;
    }

    static string Scalar(YamlNode v, string at, string key) =>
        (v as YamlScalarNode)?.Value ?? throw new FormatException($"{at}: '{key}' must be a single value");

    static int Int(YamlNode v, string at, string key) =>
        int.TryParse(Scalar(v, at, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new FormatException($"{at}: '{key}' must be an integer");

    static List<string> Strings(YamlNode v, string at, string key) => v switch
    {
        YamlScalarNode s => [s.Value ?? ""],
        YamlSequenceNode l => l.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw new FormatException($"{at}: '{key}' must be a list of paths")).ToList(),
        _ => throw new FormatException($"{at}: '{key}' must be a path or a list of paths"),
    };

    /// <summary>Builds fresh step instances (steps hold per-thread scratch state, so each worker gets its own).</summary>
    public List<IPipelineStep> BuildSteps()
    {
        var list = new List<IPipelineStep>();
        foreach (var s in Steps)
            if (StepFactory.Create(s.Clone()) is { } step) list.Add(step);
        return list;
    }
}
