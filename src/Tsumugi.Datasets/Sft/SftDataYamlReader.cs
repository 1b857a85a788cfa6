using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Datasets.Sft;

/// <summary>YAML → <see cref="SftDataConfig"/> through <see cref="YamlSection"/>; keys and defaults come from the records.</summary>
internal sealed class SftDataYamlReader(string source, string baseDirectory, string path)
{
    public SftDataConfig Read(YamlMappingNode node)
    {
        var top = Section(node, path, SftDataConfig.YamlKeys);
        var defaults = new SftDataConfig { Source = source };
        var paths = top.RequiredPaths("paths", baseDirectory, "the SFT files, folders or globs (e.g. data/sft/*.jsonl)");
        var fraction = top.Double("validation_fraction", defaults.ValidationFraction, 0, 0.5);
        var columns = top.Section("columns", ConfigKeys.Of<SftColumns>());
        return defaults with
        {
            Paths = paths,
            Format = top.Enum("format", defaults.Format),
            Columns = new SftColumns
            {
                Instruction = columns.String("instruction"),
                Input = columns.String("input"),
                Output = columns.String("output"),
                System = columns.String("system"),
                Conversations = columns.String("conversations"),
                Messages = columns.String("messages"),
                Prompt = columns.String("prompt"),
                Completion = columns.String("completion"),
                Role = columns.String("role"),
                Content = columns.String("content"),
            },
            SystemPrompt = top.String("system_prompt"),
            ValidationFraction = fraction,
            Overlong = top.Enum("overlong", defaults.Overlong),
            Packing = top.Enum("packing", defaults.Packing),
            MegabatchFactor = top.Int("megabatch_factor", defaults.MegabatchFactor, min: 1),
            Seed = top.Long("seed", defaults.Seed, min: long.MinValue),
            Rejects = top.PathValue("rejects", baseDirectory),
        };
    }

    private YamlSection Section(YamlNode? node, string where, IReadOnlyCollection<string>? allowed) =>
        new(node, source, where, allowed, message => new SftDataException(message));
}
