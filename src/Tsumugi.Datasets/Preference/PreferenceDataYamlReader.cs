using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Datasets.Preference;

/// <summary>YAML → <see cref="PreferenceDataConfig"/> through <see cref="YamlSection"/>; keys and defaults come from the records.</summary>
internal sealed class PreferenceDataYamlReader(string source, string baseDirectory, string path)
{
    public PreferenceDataConfig Read(YamlMappingNode node)
    {
        var top = Section(node, path, PreferenceDataConfig.YamlKeys);
        var defaults = new PreferenceDataConfig { Source = source };
        var paths = top.RequiredPaths("paths", baseDirectory, "the preference files, folders or globs (e.g. data/dpo/*.jsonl)");
        var columns = top.Section("columns", ConfigKeys.Of<PreferenceColumns>());
        return defaults with
        {
            Paths = paths,
            Format = top.Enum("format", defaults.Format),
            Columns = new PreferenceColumns
            {
                Prompt = columns.String("prompt"),
                Chosen = columns.String("chosen"),
                Rejected = columns.String("rejected"),
                Completion = columns.String("completion"),
                Label = columns.String("label"),
                Role = columns.String("role"),
                Content = columns.String("content"),
            },
            SystemPrompt = top.String("system_prompt"),
            ValidationFraction = top.Double("validation_fraction", defaults.ValidationFraction, 0, 0.5),
            Seed = top.Long("seed", defaults.Seed, min: long.MinValue),
            Rejects = top.PathValue("rejects", baseDirectory),
        };
    }

    private YamlSection Section(YamlNode? node, string where, IReadOnlyCollection<string>? allowed) =>
        new(node, source, where, allowed, message => new PreferenceDataException(message));
}
