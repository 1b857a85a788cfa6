using Tsumugi.Training.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Btm;

/// <summary>
/// A Branch-Train-Merge run (<c>tsumugi btm --config</c>, keys in docs/btm.md): the seed model, the domain experts
/// with their datasets and training overrides over one shared <c>train:</c> section (a `tsumugi train` config without
/// model or data paths), and how the trained experts are combined.
/// </summary>
public sealed record BtmConfig
{
    /// <summary>The config file; every error names it.</summary>
    public required string Source { get; init; }

    /// <summary>Relative paths resolve against this directory (the config file's).</summary>
    public required string BaseDirectory { get; init; }

    public long Seed { get; init; } = TrainConfig.DefaultSeed;

    /// <summary><c>model:</c> the seed, in `tsumugi train`'s model keys (from: DIR, or preset/config + tokenizer).</summary>
    public required YamlMappingNode Model { get; init; }

    /// <summary><c>train:</c> the shared training config (data options, train, optimizer, schedule, checkpoint, eval, guard, log).</summary>
    public required YamlMappingNode Train { get; init; }

    public required IReadOnlyList<BtmExpertSpec> Experts { get; init; }
    public required BtmCombine Combine { get; init; }

    /// <summary>The file's text, echoed into the output directory.</summary>
    public required string Yaml { get; init; }

    public static BtmConfig Load(string path)
    {
        if (!File.Exists(path)) throw new TrainConfigException($"{path}: BTM config file not found (see configs/btm-tiny.yaml for an example)");
        var full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), full, Path.GetDirectoryName(full)!);
    }

    public static BtmConfig Parse(string yaml, string source, string baseDirectory)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new TrainConfigException($"{source}:{e.Start.Line}: not valid YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new TrainConfigException($"{source}: expected a mapping with model, train, experts and combine (see configs/btm-tiny.yaml)");
        return new BtmConfigReader(source, baseDirectory).Read(root) with { Yaml = yaml };
    }
}
