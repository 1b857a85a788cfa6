using Tsumugi.Common.Config;
using Tsumugi.Modeling.Adapters;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Config;

/// <summary>
/// A training run's whole configuration (keys documented in docs/training.md), read from YAML with <c>--set</c>
/// overrides applied first. <see cref="EffectiveYaml"/> is what the run directory records.
/// </summary>
public sealed record TrainConfig
{
    [NotConfigKey]
    public required string Source { get; init; }

    /// <summary>Directory relative paths resolve against (the config file's).</summary>
    [NotConfigKey]
    public required string BaseDirectory { get; init; }

    public const long DefaultSeed = 1234;

    public long Seed { get; init; } = DefaultSeed;
    public required ModelSettings Model { get; init; }
    public required DataSettings Data { get; init; }
    public TrainSettings Train { get; init; } = new();
    public OptimizerSettings Optimizer { get; init; } = new();
    public ScheduleSettings Schedule { get; init; } = new();
    public CheckpointSettings Checkpoint { get; init; } = new();
    public EvalSettings Eval { get; init; } = new();
    public GuardSettings Guard { get; init; } = new();
    public LogSettings Log { get; init; } = new();
    public ParallelSettings Parallel { get; init; } = new();

    /// <summary><c>sft:</c> set for <c>tsumugi sft</c> runs (null for pretraining).</summary>
    public SftSettings? Sft { get; init; }

    /// <summary><c>dpo:</c> set for <c>tsumugi dpo</c> runs (preference optimisation; null otherwise).</summary>
    public DpoSettings? Dpo { get; init; }

    /// <summary><c>online:</c> set for <c>tsumugi dpo online</c> (prompts, sampling and reward of the iterative loop; null otherwise).</summary>
    public Online.OnlineSettings? Online { get; init; }

    /// <summary><c>lora:</c> train a LoRA adapter (PEFT's keys) instead of every weight; null = full training.</summary>
    public LoraConfig? Lora { get; init; }

    /// <summary>The YAML after overrides, as written to RUN_DIR/config.yaml.</summary>
    [NotConfigKey]
    public required string EffectiveYaml { get; init; }

    /// <summary>The <c>--set</c> overrides, for errors found later (the curriculum) to name the flag instead of a line.</summary>
    [NotConfigKey]
    public ConfigOverrides Overrides { get; init; } = ConfigOverrides.None;

    /// <param name="kind">
    /// Which command reads it: pretraining (tokenized datasets), SFT (instruction files under <c>data:</c> and an
    /// <c>sft:</c> section) or preference optimisation (preference files under <c>data:</c> and a <c>dpo:</c> section).
    /// </param>
    public static TrainConfig Load(string path, IEnumerable<string>? overrides = null, RunKind kind = RunKind.Pretrain)
    {
        if (!File.Exists(path))
            throw new TrainConfigException($"{path}: config file not found (see configs/{kind switch { RunKind.Sft => "sft-tiny", RunKind.Preference => "dpo-tiny", RunKind.OnlinePreference => "dpo-online-tiny", _ => "tiny" }}.yaml for an example)");
        var full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), full, Path.GetDirectoryName(full)!, overrides, kind);
    }

    public static TrainConfig Parse(string yaml, string source, string baseDirectory, IEnumerable<string>? overrides = null, RunKind kind = RunKind.Pretrain)
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
        var root = stream.Documents.Count == 0 ? new YamlMappingNode() : stream.Documents[0].RootNode as YamlMappingNode
            ?? throw new TrainConfigException($"{source}: expected a mapping with model, data, train, … sections");
        var flags = new ConfigOverrides(source, yaml, overrides);
        flags.Apply(root);
        var effective = new YamlStream(new YamlDocument(root));
        var writer = new StringWriter();
        effective.Save(writer, assignAnchors: false);
        try
        {
            return new TrainConfigReader(source, baseDirectory, kind).Read(root) with { EffectiveYaml = writer.ToString().TrimEnd('.', '\n', '\r') + "\n", Overrides = flags };
        }
        catch (TrainConfigException e)
        {
            throw new TrainConfigException(flags.NameFlags(e.Message));
        }
    }
}
