namespace Tsumugi.Composition.Moe;

/// <summary>One output tensor of an MoE assembly: its name, shape, safetensors dtype and how to compute it in float32
/// (<c>Fill(result, scratch)</c>: both spans have the tensor's element count).</summary>
internal sealed record MoeTensor(string Name, long[] Shape, string DType, MoeTensor.Filler Fill)
{
    public delegate void Filler(Span<float> result, Span<float> scratch);

    public long Elements => Shape.Aggregate(1L, (a, d) => a * d);
}
