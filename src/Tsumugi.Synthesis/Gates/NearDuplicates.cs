using Tsumugi.Corpus.Dedup;

namespace Tsumugi.Synthesis.Gates;

/// <summary>
/// MinHash LSH near-duplicate detection over prompts, with the corpus pipeline's <see cref="MinHasher"/>: a prompt that
/// shares a band with a seed prompt or with an earlier accepted record's prompt is a near-duplicate. Used from one
/// thread (the runner's in-order commit), so which of two near-duplicates is kept does not depend on timing.
/// </summary>
public sealed class NearDuplicates(MinHashOptions options, bool againstSeeds)
{
    readonly MinHasher _hasher = new(options);
    readonly Dictionary<(int Band, ulong Key), string> _buckets = [];
    readonly ulong[] _keys = new ulong[options.Bands];

    /// <summary>Whether prompts are also checked against the seeds (recipes that invent prompts).</summary>
    public bool AgainstSeeds { get; } = againstSeeds;

    public MinHashOptions Options { get; } = options;

    /// <summary>The owner of the first band <paramref name="text"/> shares (a seed id or record key), else null — and then the text joins the index under <paramref name="owner"/>.</summary>
    public string? FindOrAdd(string text, string owner)
    {
        _hasher.BandKeys(text, _keys);
        for (int band = 0; band < _keys.Length; band++)
            if (_buckets.TryGetValue((band, _keys[band]), out var first)) return first;
        for (int band = 0; band < _keys.Length; band++) _buckets[(band, _keys[band])] = owner;
        return null;
    }
}
