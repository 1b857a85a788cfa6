
namespace Tsumugi.Tokenization.Normalization;

/// <summary>
/// Builder::CompileCharsMap: the precompiled_charsmap blob of a rule map — uint32 trie size in bytes, the darts-clone
/// trie over the keys' UTF-8, then each distinct replacement once as NUL-terminated UTF-8 (trie values are offsets).
/// </summary>
public static class CharsMapCompiler
{
    /// <summary>sentencepiece refuses maps where a key has this many rules on its prefixes (Normalizer::kMaxTrieResultsSize).</summary>
    const int MaxTrieResults = 32;

    public static byte[] Compile(IReadOnlyDictionary<string, string> rules)
    {
        if (rules.Count == 0) throw new ArgumentException("an empty rule map has no charsmap; identity normalization writes an empty precompiled_charsmap.");
        var replacements = rules.Values.Distinct(StringComparer.Ordinal)
            .Select(v => (Text: v, Utf8: System.Text.Encoding.UTF8.GetBytes(v))).OrderBy(v => v.Utf8, Utf8Order.Instance).ToList();
        var offsets = new Dictionary<string, int>(StringComparer.Ordinal);
        var strings = new MemoryStream();
        foreach (var (text, utf8) in replacements)
        {
            offsets[text] = (int)strings.Length;
            strings.Write(utf8);
            strings.WriteByte(0);
        }
        var entries = rules.Select(kv => (Key: System.Text.Encoding.UTF8.GetBytes(kv.Key), Value: offsets[kv.Value])).ToList();
        CheckSharedPrefixes(entries);
        var units = DartsCloneWriter.Build(entries);
        var blob = new byte[4 + units.Length * 4 + strings.Length];
        BitConverter.TryWriteBytes(blob.AsSpan(0, 4), (uint)(units.Length * 4));
        Buffer.BlockCopy(units, 0, blob, 4, units.Length * 4);
        strings.ToArray().CopyTo(blob, 4 + units.Length * 4);
        return blob;
    }

    static void CheckSharedPrefixes(List<(byte[] Key, int Value)> entries)
    {
        var keys = new HashSet<string>(entries.Select(e => Convert.ToHexString(e.Key)), StringComparer.Ordinal);
        foreach (var (key, _) in entries)
        {
            int n = 0;
            for (int len = 1; len <= key.Length; len++) if (keys.Contains(Convert.ToHexString(key, 0, len))) n++;
            if (n >= MaxTrieResults)
                throw new InvalidOperationException($"charsmap key {Convert.ToHexString(key)} has {n} rules on its prefixes; sentencepiece allows fewer than {MaxTrieResults}.");
        }
    }

    sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
