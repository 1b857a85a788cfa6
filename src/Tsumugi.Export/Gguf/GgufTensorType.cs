namespace Tsumugi.Export.Gguf;

/// <summary>The ggml tensor types Tsumugi writes; values are ggml's <c>enum ggml_type</c>.</summary>
public enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
    /// <summary>Blocks of 32: an fp16 scale then 32 4-bit values, x = d·(q − 8) (18 bytes).</summary>
    Q4_0 = 2,
    /// <summary>Blocks of 32: an fp16 scale, 32 high bits, 32 low nibbles, x = d·(q − 16) (22 bytes). A Q4_K fallback.</summary>
    Q5_0 = 6,
    /// <summary>Blocks of 32: fp16 scale and minimum, 32 high bits, 32 low nibbles, x = d·q + m (24 bytes). A Q5_K fallback.</summary>
    Q5_1 = 7,
    /// <summary>Blocks of 32 values: an fp16 scale then 32 int8 (34 bytes).</summary>
    Q8_0 = 8,
    /// <summary>Super-blocks of 256: fp16 d and dmin, 8 sub-blocks of 32 with 6-bit scale and min, 4-bit values (144 bytes).</summary>
    Q4_K = 12,
    /// <summary>Super-blocks of 256: as Q4_K with a fifth bit per value (176 bytes).</summary>
    Q5_K = 13,
    /// <summary>Super-blocks of 256: 16 sub-blocks of 16 with int8 scales, 6-bit signed values, one fp16 d (210 bytes).</summary>
    Q6_K = 14,
}
