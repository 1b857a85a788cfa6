namespace Tsumugi.Datasets;

/// <summary>Megatron-core <c>DType</c> codes stored at byte 17 of an <c>.idx</c> file.</summary>
public enum TokenDType : byte
{
    UInt8 = 1,
    Int8 = 2,
    Int16 = 3,
    Int32 = 4,
    Int64 = 5,
    Float64 = 6,
    Float32 = 7,
    UInt16 = 8,
}
