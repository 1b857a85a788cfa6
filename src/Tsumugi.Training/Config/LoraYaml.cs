using System.Globalization;
using System.Text.Json.Nodes;
using Tsumugi.Common.Config;
using Tsumugi.Modeling.Adapters;
using Tsumugi.Modeling.Checkpoints;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Training.Config;

/// <summary>
/// The <c>lora:</c> section, in PEFT's own key names (r, lora_alpha, lora_dropout, target_modules, use_rslora, …), so
/// a PEFT LoraConfig carries over as it is: the YAML becomes the JSON of an adapter_config.json and is read by the same
/// parser that loads adapters, with unknown keys refused.
/// </summary>
internal static class LoraYaml
{
    static readonly string[] Keys =
    [
        "r", "lora_alpha", "lora_dropout", "target_modules", "exclude_modules", "layers_to_transform", "use_rslora",
        "modules_to_save", "rank_pattern", "alpha_pattern", "init_lora_weights", "use_dora", "bias",
    ];

    public static LoraConfig Read(YamlNode node, string source)
    {
        var section = new YamlSection(node, source, "lora", Keys, message => new TrainConfigException(message));
        if (node is not YamlMappingNode map) throw section.Error(node, "lora: expected a mapping (r, lora_alpha, target_modules, …)");
        try
        {
            // Through JSON text, so numbers read back as the parser of adapter_config.json expects them.
            return LoraConfigJson.Parse(JsonNode.Parse(ToJson(map)!.ToJsonString())!.AsObject(), $"{source}: lora");
        }
        catch (CheckpointException e)
        {
            throw new TrainConfigException(e.Message);
        }
    }

    /// <summary>YAML → JSON with plain scalars typed as YAML 1.2's core schema types them (bool, int, float, null, string).</summary>
    static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode s => new JsonArray(s.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.Plain } q => JsonValue.Create(q.Value),
        YamlScalarNode { Value: null or "" or "null" or "~" } => null,
        YamlScalarNode { Value: "true" or "True" } => JsonValue.Create(true),
        YamlScalarNode { Value: "false" or "False" } => JsonValue.Create(false),
        YamlScalarNode p when long.TryParse(p.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        YamlScalarNode p when double.TryParse(p.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
        YamlScalarNode p => JsonValue.Create(p.Value),
        _ => null,
    };
}
