using System.Text.RegularExpressions;

namespace Tsumugi.Composition;

/// <summary>Where a tensor sits in a decoder-only HF checkpoint (Llama/Mistral/Mixtral/Qwen naming): in layer N, or
/// before the layers (embeddings) or after them (final norm, lm_head) — mergekit's pre/layer/post weights.</summary>
public static partial class TensorNames
{
    public static bool TryLayer(string name, out int layer, out string prefix, out string suffix)
    {
        var m = LayerPattern().Match(name);
        if (!m.Success) { layer = -1; prefix = suffix = ""; return false; }
        layer = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        prefix = m.Groups[1].Value;
        suffix = m.Groups[3].Value;
        return true;
    }

    public static string Layer(string prefix, int layer, string suffix) => $"{prefix}{layer}.{suffix}";

    /// <summary>Non-layer tensors before the layers: the token embeddings.</summary>
    public static bool IsPreLayer(string name) => name.Contains("embed_tokens", StringComparison.Ordinal) || name.Contains("wte", StringComparison.Ordinal);

    [GeneratedRegex(@"^(.*?\blayers\.)(\d+)\.(.+)$")]
    private static partial Regex LayerPattern();
}
