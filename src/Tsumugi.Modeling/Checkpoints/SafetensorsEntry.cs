namespace Tsumugi.Modeling.Checkpoints;

/// <summary>One tensor of a safetensors header. <see cref="Begin"/>/<see cref="End"/> are byte offsets relative to the
/// start of the data buffer (after the 8-byte length and the JSON header), as in the file.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}
