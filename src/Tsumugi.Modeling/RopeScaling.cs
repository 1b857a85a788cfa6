namespace Tsumugi.Modeling;

/// <summary>
/// RoPE frequency scaling as in HF `rope_scaling` / `rope_parameters`: `default`, `linear` (positions divided by
/// <see cref="Factor"/>) and `llama3` (Llama 3.1's wavelength-dependent interpolation).
/// </summary>
public sealed record RopeScaling(
    string Type,
    double Factor = 1.0,
    double LowFreqFactor = 1.0,
    double HighFreqFactor = 4.0,
    int OriginalMaxPositionEmbeddings = 8192)
{
    public static readonly string[] SupportedTypes = ["default", "linear", "llama3"];
}
