using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// The <c>data:</c> section of an SFT run (keys documented in docs/sft-data.md). Parsing checks what needs no files:
/// unknown keys, types, ranges; <see cref="SftReader"/> checks the files themselves.
/// </summary>
public sealed record SftDataConfig
{
    public const long DefaultSeed = 1234;

    /// <summary>The keys allowed in this section, derived from the record's properties.</summary>
    public static IReadOnlyList<string> YamlKeys => ConfigKeys.Of<SftDataConfig>();

    /// <summary>File (or label) the config came from; errors name it.</summary>
    [NotConfigKey]
    public string Source { get; init; } = "";

    /// <summary>Files, folders or globs (<c>*</c>, <c>?</c>, <c>**</c>) of .jsonl / .json / .parquet, plain, .gz or .zst.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    public SftFormat Format { get; init; } = SftFormat.Auto;
    public SftColumns Columns { get; init; } = new();

    /// <summary>System message added to conversations that have none (not to plain prompt/completion text).</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Share of examples held out for validation, chosen by a seeded hash of each example; 0 = none.</summary>
    public double ValidationFraction { get; init; }

    public SftOverlong Overlong { get; init; } = SftOverlong.Truncate;
    public SftPacking Packing { get; init; } = SftPacking.Bfd;

    /// <summary>With <c>packing: padding</c>, batches are sorted by length within groups of this many batches.</summary>
    public int MegabatchFactor { get; init; } = 50;

    public long Seed { get; init; } = DefaultSeed;

    /// <summary>Where rejected records are written as JSONL (with file, line, reason); unset keeps only the counts.</summary>
    public string? Rejects { get; init; }

    /// <summary>Reads a YAML file holding this section at its top level; relative paths resolve against its directory.</summary>
    public static SftDataConfig Load(string path)
    {
        if (!File.Exists(path)) throw new SftDataException($"{path}: SFT data config file not found");
        var full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), full, Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses YAML text; <paramref name="source"/> names it in errors.</summary>
    public static SftDataConfig Parse(string yaml, string source, string baseDirectory)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new SftDataException($"{source}:{e.Start.Line}: not valid YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new SftDataException($"{source}: expected a mapping with at least 'paths'");
        return FromYaml(root, source, baseDirectory, "");
    }

    /// <summary>Reads a mapping node, e.g. the <c>data:</c> section of an SFT training config (<paramref name="path"/> = "data").</summary>
    public static SftDataConfig FromYaml(YamlMappingNode node, string source, string baseDirectory, string path = "data") =>
        new SftDataYamlReader(source, baseDirectory, path).Read(node);
}
