namespace Tsumugi.Generation.Engine;

/// <summary>
/// How the native decode engine holds a projection's weights. The engine's cost per token is the bytes it streams, so
/// the format is the speed: f32 4 bytes per weight, f16 and bf16 2, q8_0 1.0625 (llama.cpp's Q8_0: blocks of 32
/// int8 weights with one scale, the scale rounded through f16 as in a GGUF file).
/// </summary>
public enum WeightFormat
{
    F32,
    F16,
    BF16,
    Q8_0,
}
