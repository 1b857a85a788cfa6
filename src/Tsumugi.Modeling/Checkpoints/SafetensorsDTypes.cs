using static TorchSharp.torch;

namespace Tsumugi.Modeling.Checkpoints;

/// <summary>safetensors dtype strings ↔ TorchSharp scalar types.</summary>
internal static class SafetensorsDTypes
{
    // Rank = position in the reference implementation's Dtype enum, which is ordered by alignment; the reference
    // writer sorts tensors by this rank descending (then by name), so we reproduce its byte layout.
    static readonly (string Name, ScalarType Type, int Size, int Rank)[] Table =
    [
        ("BOOL", ScalarType.Bool, 1, 0),
        ("U8", ScalarType.Byte, 1, 4),
        ("I8", ScalarType.Int8, 1, 5),
        ("I16", ScalarType.Int16, 2, 9),
        ("F16", ScalarType.Float16, 2, 11),
        ("BF16", ScalarType.BFloat16, 2, 12),
        ("I32", ScalarType.Int32, 4, 13),
        ("F32", ScalarType.Float32, 4, 15),
        ("F64", ScalarType.Float64, 8, 17),
        ("I64", ScalarType.Int64, 8, 18),
    ];

    public static string Supported => string.Join(", ", Table.Select(t => t.Name));

    public static bool TryParse(string name, out ScalarType type, out int size)
    {
        foreach (var t in Table)
            if (t.Name == name) { type = t.Type; size = t.Size; return true; }
        type = default; size = 0;
        return false;
    }

    public static string NameOf(ScalarType type) => Find(type).Name;
    public static int SizeOf(ScalarType type) => Find(type).Size;
    public static int RankOf(ScalarType type) => Find(type).Rank;

    static (string Name, ScalarType Type, int Size, int Rank) Find(ScalarType type)
    {
        foreach (var t in Table)
            if (t.Type == type) return t;
        throw new CheckpointException($"Tensors of dtype {type} cannot be stored in safetensors by Tsumugi (supported: {Supported}); cast them first.");
    }
}
