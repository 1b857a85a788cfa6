namespace Tsumugi.Export.Gguf;

/// <summary>The ggml tensor types Tsumugi writes; values are ggml's <c>enum ggml_type</c>.</summary>
public enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
    /// <summary>Blocks of 32 values: an fp16 scale then 32 int8 (34 bytes).</summary>
    Q8_0 = 8,
}
