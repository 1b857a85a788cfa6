namespace Tsumugi.Export.Gguf;

/// <summary>
/// A GGUF file's quantisation scheme, written as <c>general.file_type</c>; values are llama.cpp's
/// <c>enum llama_ftype</c>. The *_M mixtures give some tensors more bits (<see cref="GgufTensorTypeRules"/>).
/// </summary>
public enum GgufFileType : uint
{
    AllF32 = 0,
    MostlyF16 = 1,
    MostlyQ4_0 = 2,
    MostlyQ8_0 = 7,
    MostlyQ4_K_M = 15,
    MostlyQ5_K_M = 17,
    MostlyQ6_K = 18,
}

/// <summary>The command-line names of <see cref="GgufFileType"/> (llama-quantize's, lower-case) and each one's base tensor type.</summary>
public static class GgufFileTypes
{
    static readonly (string Name, GgufFileType Type, GgufTensorType Base)[] All =
    [
        ("f32", GgufFileType.AllF32, GgufTensorType.F32),
        ("f16", GgufFileType.MostlyF16, GgufTensorType.F16),
        ("q8_0", GgufFileType.MostlyQ8_0, GgufTensorType.Q8_0),
        ("q6_k", GgufFileType.MostlyQ6_K, GgufTensorType.Q6_K),
        ("q5_k_m", GgufFileType.MostlyQ5_K_M, GgufTensorType.Q5_K),
        ("q4_k_m", GgufFileType.MostlyQ4_K_M, GgufTensorType.Q4_K),
        ("q4_0", GgufFileType.MostlyQ4_0, GgufTensorType.Q4_0),
    ];

    /// <summary>f32, f16, q8_0, q6_k, q5_k_m, q4_k_m, q4_0.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(a => a.Name).ToArray();

    public static GgufFileType Parse(string name) =>
        All.FirstOrDefault(a => a.Name == name.ToLowerInvariant()) is { Name: not null } match
            ? match.Type
            : throw new ArgumentException($"unknown GGUF quantisation '{name}'; use one of {string.Join(", ", Names)}.");

    public static string Name(GgufFileType type) => All.First(a => a.Type == type).Name;

    /// <summary>The type most matrices get (llama.cpp's <c>llama_ftype_get_default_type</c>).</summary>
    public static GgufTensorType BaseType(GgufFileType type) => All.First(a => a.Type == type).Base;

    public static bool IsQuantized(GgufFileType type) => type is not (GgufFileType.AllF32 or GgufFileType.MostlyF16);
}
