using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// Computes MinHash LSH band keys during cleaning (step <c>minhash</c>) and stores them in <c>meta.minhash</c>
/// (hex) with <c>meta.minhash_params</c>, so the global dedup stage, which is single-threaded in its decisions,
/// does not have to recompute them.
/// </summary>
public sealed class MinHashStep(MinHashOptions options) : IPipelineStep
{
    readonly MinHasher _hasher = new(options);
    readonly ulong[] _keys = new ulong[options.Bands];

    public string Name => "minhash";

    public string? Apply(Document doc)
    {
        _hasher.BandKeys(doc.Text, _keys);
        doc.Meta["minhash"] = Encode(_keys);
        doc.Meta["minhash_params"] = options.Key;
        return null;
    }

    public static string Encode(ReadOnlySpan<ulong> keys) =>
        Convert.ToHexString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(keys));

    public static bool TryDecode(string hex, Span<ulong> keys)
    {
        if (hex.Length != keys.Length * 16) return false;
        return Convert.FromHexString(hex, System.Runtime.InteropServices.MemoryMarshal.AsBytes(keys), out _, out _) == System.Buffers.OperationStatus.Done;
    }
}
