using static TorchSharp.torch;

namespace Tsumugi.Modeling.Layers;

/// <summary>
/// HF-convention rotary position embeddings ("rotate_half": dimension i pairs with i + d/2). The cos/sin tables are
/// computed in fp32 like HF and grown on demand. Deliberately not a Module: the tables are derived state and must not
/// appear in the state dict.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    readonly int _headDim;
    readonly float[] _invFreq;
    Tensor? _cos, _sin;

    public RotaryEmbedding(LlamaConfig config)
    {
        _headDim = config.HeadDim;
        _invFreq = InverseFrequencies(_headDim, config.RopeTheta, config.RopeScaling);
    }

    /// <summary>inv_freq = 1 / theta^(2i/d), then the configured scaling (HF `_compute_*_parameters`).</summary>
    public static float[] InverseFrequencies(int headDim, double theta, RopeScaling? scaling)
    {
        var inv = new float[headDim / 2];
        for (int i = 0; i < inv.Length; i++)
            inv[i] = (float)(1.0 / Math.Pow(theta, (float)(2 * i) / headDim)); // HF: arange(0, d, 2).float() / d
        if (scaling is null || scaling.Type == "default") return inv;
        if (scaling.Type == "linear")
            return inv.Select(f => (float)(f / scaling.Factor)).ToArray();
        // llama3: low frequencies (long wavelengths) are divided by factor, high ones kept, a smooth ramp between.
        double lowWavelen = scaling.OriginalMaxPositionEmbeddings / scaling.LowFreqFactor;
        double highWavelen = scaling.OriginalMaxPositionEmbeddings / scaling.HighFreqFactor;
        return inv.Select(f =>
        {
            double wavelen = 2 * Math.PI / f;
            if (wavelen > lowWavelen) return (float)(f / scaling.Factor);
            if (wavelen < highWavelen) return f;
            double smooth = (scaling.OriginalMaxPositionEmbeddings / wavelen - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
            return (float)((1 - smooth) * f / scaling.Factor + smooth * f);
        }).ToArray();
    }

    void EnsureLength(long length, Device device)
    {
        // Device has no value equality: compare type and index.
        bool sameDevice = _cos is not null && _cos.device_type == device.type && _cos.device_index == device.index;
        if (sameDevice && _cos!.shape[0] >= length) return;
        long n = Math.Max(256, length);
        if (sameDevice) n = Math.Max(n, _cos!.shape[0] * 2);
        using var scope = NewDisposeScope();
        var positions = arange(n, dtype: ScalarType.Float32, device: device);
        var freqs = outer(positions, tensor(_invFreq, device: device));
        var emb = cat([freqs, freqs], -1);
        _cos?.Dispose();
        _sin?.Dispose();
        _cos = emb.cos().DetachFromDisposeScope();
        _sin = emb.sin().DetachFromDisposeScope();
    }

    /// <summary>cos and sin of shape [B or 1, 1, T, D] for the given positions ([B, T] ids, or a contiguous range).</summary>
    public (Tensor Cos, Tensor Sin) Table(Tensor? positionIds, long start, long length, ScalarType dtype, Device device)
    {
        if (positionIds is null)
        {
            EnsureLength(start + length, device);
            return (_cos!.narrow(0, start, length).to_type(dtype).unsqueeze(0).unsqueeze(0),
                    _sin!.narrow(0, start, length).to_type(dtype).unsqueeze(0).unsqueeze(0));
        }
        EnsureLength(positionIds.max().item<long>() + 1, device);
        return (_cos![positionIds].to_type(dtype).unsqueeze(1), _sin![positionIds].to_type(dtype).unsqueeze(1));
    }

    /// <summary>x·cos + rotate_half(x)·sin, with rotate_half(x) = cat(−x[d/2:], x[:d/2]).</summary>
    /// <remarks>
    /// The four temporaries (−x half, the rotated copy, both products) are freed here: autograd needs none of them (the
    /// products save only cos and sin), and left in a training step's dispose scope they would stay resident through the
    /// backward — four q/k-sized tensors per layer.
    /// </remarks>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var rotated = cat([-x[TensorIndex.Ellipsis, TensorIndex.Slice(half)], x[TensorIndex.Ellipsis, TensorIndex.Slice(0, half)]], -1);
        return (x * cos).Plus(rotated * sin).MoveToOuterDisposeScope(); // Plus, not +: see StableScalars
    }

    public void Dispose()
    {
        _cos?.Dispose();
        _sin?.Dispose();
    }
}
