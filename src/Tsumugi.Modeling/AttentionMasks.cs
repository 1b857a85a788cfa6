using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>Boolean attention masks for SDPA (true = may attend) and position ids for packed sequences.</summary>
public static class AttentionMasks
{
    /// <summary>
    /// Causal attention that never crosses a document boundary, for packed sequences: [B, 1, T, T].
    /// <paramref name="documentIds"/> [B, T] numbers each token's document (any value; a change starts a new one).
    /// </summary>
    public static Tensor DocumentCausal(Tensor documentIds, int? slidingWindow)
    {
        long t = documentIds.shape[1];
        var sameDocument = documentIds.unsqueeze(2) == documentIds.unsqueeze(1);
        var allowed = sameDocument & Causal(0, t, slidingWindow, documentIds.device);
        return allowed.unsqueeze(1);
    }

    /// <summary>
    /// [T, past+T] causal pattern for <paramref name="length"/> new tokens after <paramref name="past"/> cached ones,
    /// optionally limited to a sliding window (Mistral: token i sees keys i−window+1 … i).
    /// </summary>
    public static Tensor Causal(long past, long length, int? slidingWindow, Device device)
    {
        var query = arange(past, past + length, dtype: ScalarType.Int64, device: device).unsqueeze(1);
        var key = arange(0, past + length, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var allowed = key <= query;
        if (slidingWindow is not { } w) return allowed;
        using var window = w.ToScalar(); // kept alive by the using: see StableScalars
        return allowed & (key > query.sub(window));
    }

    /// <summary>Position ids that restart at 0 at every document start: [B, T] int64.</summary>
    public static Tensor PositionsFromDocuments(Tensor documentIds)
    {
        long b = documentIds.shape[0], t = documentIds.shape[1];
        var ids = documentIds.to(CPU).to_type(ScalarType.Int64).data<long>().ToArray();
        var positions = new long[ids.Length];
        for (long row = 0; row < b; row++)
        {
            long start = row * t;
            for (long i = 0; i < t; i++)
            {
                long k = start + i;
                positions[k] = i > 0 && ids[k] == ids[k - 1] ? positions[k - 1] + 1 : 0;
            }
        }
        return tensor(positions, [b, t], device: documentIds.device);
    }
}
