namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// A document's place in the dedup decision order: <c>file &lt;&lt; 32 | line</c>, negated with <c>--keep-newest</c>
/// so that ascending order is always "seen first". Sorting records by (key, order) puts the document that the
/// ordered pass would have kept at the head of each group of equal keys.
/// </summary>
public static class DedupOrder
{
    public static long Encode(int file, int line, bool newestFirst)
    {
        long v = (long)file << 32 | (uint)line;
        return newestFirst ? -v : v;
    }

    public static (int File, int Line) Decode(long order, bool newestFirst)
    {
        long v = newestFirst ? -order : order;
        return ((int)(v >> 32), (int)(v & 0xFFFF_FFFF));
    }
}

/// <summary>Exact-dedup record: XxHash128 of the normalised text and the document's order (24 bytes).</summary>
public readonly record struct ExactRecord(ulong Hi, ulong Lo, long Order) : IComparable<ExactRecord>
{
    public int CompareTo(ExactRecord o)
    {
        int c = Hi.CompareTo(o.Hi);
        if (c != 0) return c;
        c = Lo.CompareTo(o.Lo);
        return c != 0 ? c : Order.CompareTo(o.Order);
    }

    public bool SameKey(ExactRecord o) => Hi == o.Hi && Lo == o.Lo;
}

/// <summary>LSH record: one band key of one document (24 bytes); equal (band, key) = candidate near duplicates.</summary>
public readonly record struct BandRecord(ulong Key, long Order, int Band) : IComparable<BandRecord>
{
    public int CompareTo(BandRecord o)
    {
        int c = Band.CompareTo(o.Band);
        if (c != 0) return c;
        c = Key.CompareTo(o.Key);
        return c != 0 ? c : Order.CompareTo(o.Order);
    }

    public bool SameKey(BandRecord o) => Band == o.Band && Key == o.Key;
}
