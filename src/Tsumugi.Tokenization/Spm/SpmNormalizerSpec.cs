namespace Tsumugi.Tokenization.Spm;

/// <summary>
/// NormalizerSpec. Defaults are the proto2 defaults, which apply when a field is absent on load
/// (add_dummy_prefix and remove_extra_whitespaces default to true, so Llama-style files set the latter explicitly).
/// </summary>
public sealed class SpmNormalizerSpec
{
    public string Name { get; set; } = "identity";
    public byte[] PrecompiledCharsmap { get; set; } = [];
    public bool AddDummyPrefix { get; set; } = true;
    public bool RemoveExtraWhitespaces { get; set; } = true;
    public bool EscapeWhitespaces { get; set; } = true;
    public string NormalizationRuleTsv { get; set; } = "";
    /// <summary>Fields this reader does not know, kept verbatim (tag + value) so a round trip preserves them.</summary>
    public byte[] UnknownFields { get; set; } = [];

    /// <summary>Llama / llm-jp style: identity, dummy prefix, no whitespace collapsing.</summary>
    public static SpmNormalizerSpec Identity() => new() { Name = "identity", RemoveExtraWhitespaces = false };
}
