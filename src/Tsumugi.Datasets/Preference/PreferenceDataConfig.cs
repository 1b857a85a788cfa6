using Tsumugi.Common.Config;
using Tsumugi.Datasets.Sft;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Datasets.Preference;

/// <summary>
/// The <c>data:</c> section of a preference run (keys documented in docs/dpo.md, "Preference data"). Parsing checks
/// what needs no files: unknown keys, types, ranges; <see cref="PreferenceReader"/> checks the files themselves.
/// </summary>
public sealed record PreferenceDataConfig
{
    /// <summary>The keys allowed in this section, derived from the record's properties.</summary>
    public static IReadOnlyList<string> YamlKeys => ConfigKeys.Of<PreferenceDataConfig>();

    /// <summary>File (or label) the config came from; errors name it.</summary>
    [NotConfigKey]
    public string Source { get; init; } = "";

    /// <summary>Files, folders or globs (<c>*</c>, <c>?</c>, <c>**</c>) of .jsonl / .json / .parquet, plain, .gz or .zst.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    public PreferenceFormat Format { get; init; } = PreferenceFormat.Auto;
    public PreferenceColumns Columns { get; init; } = new();

    /// <summary>System message added to conversational prompts that have none (not to plain text).</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>
    /// Share of records held out for validation, chosen by a seeded hash of each record's prompt (records sharing a
    /// prompt stay together); 0 = none. Defaults as SFT's.
    /// </summary>
    public double ValidationFraction { get; init; }

    public long Seed { get; init; } = SftDataConfig.DefaultSeed;

    /// <summary>Where rejected records are written as JSONL (with file, line, reason); unset keeps only the counts.</summary>
    public string? Rejects { get; init; }

    /// <summary>Parses YAML text holding this section at its top level; <paramref name="source"/> names it in errors.</summary>
    public static PreferenceDataConfig Parse(string yaml, string source, string baseDirectory)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new PreferenceDataException($"{source}:{e.Start.Line}: not valid YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new PreferenceDataException($"{source}: expected a mapping with at least 'paths'");
        return FromYaml(root, source, baseDirectory, "");
    }

    /// <summary>
    /// Reads a mapping node, e.g. the <c>data:</c> section of a preference training config (<paramref name="keyPath"/> =
    /// "data", which prefixes the keys in errors). Relative paths resolve against <paramref name="baseDirectory"/>.
    /// </summary>
    public static PreferenceDataConfig FromYaml(YamlMappingNode map, string source, string baseDirectory, string keyPath = "data") =>
        new PreferenceDataYamlReader(source, baseDirectory, keyPath).Read(map);
}
