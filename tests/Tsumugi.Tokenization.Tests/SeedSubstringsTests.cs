using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Tests;

/// <summary>The suffix-array seed finder and the encoder's double-array trie against brute force.</summary>
public sealed class SeedSubstringsTests
{
    [Theory]
    [InlineData("ja", 16, 2)]
    [InlineData("code", 6, 1)]
    public void SeedsAreExactlyTheRepeatedRightBranchingValidSubstrings(string domain, int maxLength, int threads)
    {
        var o = new TrainerOptions { MaxPieceLength = maxLength, CharacterCoverage = 0.995 };
        var corpus = TrainingCorpus.Build(TestCorpus.Lines(domain, 30_000), o);
        var validator = new PieceValidator(o);

        // Brute force: every valid substring of 2..max characters of every word, its weighted count and whether two
        // different things follow it (a character, a "▁" word, or a sentence end).
        var stats = new Dictionary<string, (long Count, int Next, bool Branches)>(StringComparer.Ordinal);
        for (int w = 0; w < corpus.Words.Count; w++)
        {
            var (cps, freq) = corpus.Words[w];
            byte ends = corpus.WordEnds[w];
            for (int i = 0; i < cps.Length; i++)
                for (int len = 2; len <= maxLength && i + len <= cps.Length; len++)
                {
                    if (!validator.IsValid(cps.AsSpan(i, len))) continue;
                    var key = TrainingCorpus.FromCodePoints(cps.AsSpan(i, len));
                    int next = i + len < cps.Length ? cps[i + len] : ends == 1 ? -1 : -2;
                    bool endsBoth = i + len == cps.Length && ends == 3;
                    stats[key] = stats.TryGetValue(key, out var s)
                        ? (s.Count + freq, s.Next, s.Branches || s.Next != next || endsBoth)
                        : (freq, next, endsBoth);
                }
        }
        var expected = stats.Where(kv => kv.Value.Count >= 2 && kv.Value.Branches).ToDictionary(kv => kv.Key, kv => kv.Value.Count);

        var found = SeedSubstrings.Find(corpus, maxLength, validator.IsValid, threads);
        var actual = found.ToDictionary(c => TrainingCorpus.FromCodePoints(corpus.Words[c.Word].Cps.AsSpan(c.Offset, c.Length)), c => c.Count);
        Assert.Equal(found.Count, actual.Count); // each substring reported once
        Assert.True(expected.Count > 1000, $"only {expected.Count} seeds");
        Assert.Empty(expected.Keys.Except(actual.Keys).Take(5));
        Assert.Empty(actual.Keys.Except(expected.Keys).Take(5));
        Assert.All(expected, kv => Assert.Equal(kv.Value, actual[kv.Key]));
    }

    [Fact]
    public void DoubleArrayTrieFindsEveryKeyAndNothingElse()
    {
        var words = TestCorpus.Lines("ja", 60_000).SelectMany(l => l.Split('、', '。', ' ')).Where(w => w.Length is > 0 and < 12).Distinct().ToList();
        var entries = words.Select((w, i) => (System.Text.Encoding.UTF8.GetBytes(w), i, (double)-i)).ToList();
        var trie = new DoubleArrayTrie(entries);
        for (int i = 0; i < words.Count; i++) Assert.Equal(i, trie.Find(System.Text.Encoding.UTF8.GetBytes(words[i])));
        var keys = words.ToHashSet(StringComparer.Ordinal);
        foreach (var w in words.Take(2000))
        {
            // Proper prefixes that are not keys themselves are inner nodes without an id.
            var prefix = w[..^1];
            if (prefix.Length > 0 && !keys.Contains(prefix) && !char.IsSurrogate(w[^1]))
                Assert.Equal(-1, trie.Find(System.Text.Encoding.UTF8.GetBytes(prefix)));
            Assert.Equal(-1, trie.Find(System.Text.Encoding.UTF8.GetBytes(w + "\u0001")));
        }
        Assert.True(words.Count > 300, $"only {words.Count} keys");
    }
}
