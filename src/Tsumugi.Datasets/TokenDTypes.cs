namespace Tsumugi.Datasets;

/// <summary>Sizes, names and the choice rule for <see cref="TokenDType"/>.</summary>
public static class TokenDTypes
{
    /// <summary>Megatron's <c>DType.optimal_dtype</c> threshold: uint16 below it, int32 from it on.</summary>
    public const int UInt16VocabularyLimit = 65_500;

    /// <summary>The dtype Megatron's preprocessing picks for a vocabulary of this size.</summary>
    public static TokenDType ForVocabulary(int vocabularySize)
    {
        if (vocabularySize <= 0) throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "vocabulary size must be positive");
        return vocabularySize < UInt16VocabularyLimit ? TokenDType.UInt16 : TokenDType.Int32;
    }

    /// <summary>Bytes per token value; 0 for an unknown code.</summary>
    public static int ItemSize(TokenDType dtype) => dtype switch
    {
        TokenDType.UInt8 or TokenDType.Int8 => 1,
        TokenDType.Int16 or TokenDType.UInt16 => 2,
        TokenDType.Int32 or TokenDType.Float32 => 4,
        TokenDType.Int64 or TokenDType.Float64 => 8,
        _ => 0,
    };

    /// <summary>Token ids are integers: float dtypes are valid Megatron codes but not token storage.</summary>
    public static bool IsTokenType(TokenDType dtype) =>
        dtype is TokenDType.UInt8 or TokenDType.Int8 or TokenDType.Int16 or TokenDType.Int32 or TokenDType.Int64 or TokenDType.UInt16;

    /// <summary>numpy-style name, as written in manifest.json.</summary>
    public static string Name(TokenDType dtype) => dtype switch
    {
        TokenDType.UInt8 => "uint8",
        TokenDType.Int8 => "int8",
        TokenDType.Int16 => "int16",
        TokenDType.Int32 => "int32",
        TokenDType.Int64 => "int64",
        TokenDType.Float64 => "float64",
        TokenDType.Float32 => "float32",
        TokenDType.UInt16 => "uint16",
        _ => $"unknown({(byte)dtype})",
    };

    /// <summary>Largest token id the dtype can store.</summary>
    public static long MaxValue(TokenDType dtype) => dtype switch
    {
        TokenDType.UInt8 => byte.MaxValue,
        TokenDType.Int8 => sbyte.MaxValue,
        TokenDType.Int16 => short.MaxValue,
        TokenDType.UInt16 => ushort.MaxValue,
        TokenDType.Int32 => int.MaxValue,
        _ => long.MaxValue,
    };
}
