using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Tests;

/// <summary>
/// The BPE trainer's incremental merge state (pair counts updated around each merge, occurrences recorded as they
/// appear, a heap of pairs) against the plain algorithm: recount every pair of every word before each merge.
/// </summary>
public sealed class BpeMergesTests
{
    /// <summary>
    /// The reference: words as symbol lists; each step counts all valid adjacent pairs (weighted by word frequency),
    /// takes the best (count, then shorter piece, then smaller string, then the earlier-created symbols) and merges it
    /// left to right in every word. Symbols are strings, numbered in order of creation as the trainer numbers them.
    /// </summary>
    static List<string> Reference(TrainingCorpus corpus, PieceValidator validator, int steps)
    {
        var names = new List<string>();
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        int Id(string s) { if (!idOf.TryGetValue(s, out int id)) { id = names.Count; names.Add(s); idOf[s] = id; } return id; }
        var words = corpus.Words.Select(w => w.Cps.Select(c => Id(char.ConvertFromUtf32(c))).ToList()).ToList();
        var merged = new List<string>();
        for (int step = 0; step < steps; step++)
        {
            var counts = new Dictionary<(int A, int B), long>();
            for (int w = 0; w < words.Count; w++)
                for (int i = 0; i + 1 < words[w].Count; i++)
                {
                    var pair = (words[w][i], words[w][i + 1]);
                    if (validator.IsValid(TrainingCorpus.ToCodePoints(names[pair.Item1] + names[pair.Item2])))
                        counts[pair] = counts.GetValueOrDefault(pair) + corpus.Words[w].Freq;
                }
            if (counts.Count == 0) break;
            var best = counts.OrderByDescending(kv => kv.Value)
                .ThenBy(kv => TrainingCorpus.ToCodePoints(names[kv.Key.A] + names[kv.Key.B]).Length)
                .ThenBy(kv => names[kv.Key.A] + names[kv.Key.B], StringComparer.Ordinal)
                .ThenBy(kv => kv.Key.A).ThenBy(kv => kv.Key.B).First().Key;
            string piece = names[best.A] + names[best.B];
            int c = Id(piece);
            merged.Add(piece);
            foreach (var w in words)
                for (int i = 0; i + 1 < w.Count; i++)
                    if (w[i] == best.A && w[i + 1] == best.B) { w[i] = c; w.RemoveAt(i + 1); }
        }
        return merged;
    }

    [Theory]
    [InlineData(1, 3, 400)]  // three letters: runs like "aaaa" (overlapping pairs) and the same piece from two pairs
    [InlineData(2, 6, 300)]
    [InlineData(3, 11, 200)] // supplementary and U+E000+ characters: UTF-16 order differs from code point order
    public void MergesMatchRecountingEveryPairEachStep(int seed, int alphabet, int steps)
    {
        var rng = new Random(seed);
        int[] chars = ['a', 'b', 'c', 'あ', 'い', '漢', 0x20000, 0x1F600, 0xFF41, 0xE000, 'd'];
        var lines = Enumerable.Range(0, 300).Select(_ => string.Concat(Enumerable.Range(0, rng.Next(1, 24))
            .Select(_ => rng.Next(8) == 0 ? " " : char.ConvertFromUtf32(chars[rng.Next(alphabet)])))).ToList();
        var o = new TrainerOptions { CharacterCoverage = 1.0, Threads = 2 };
        var corpus = TrainingCorpus.Build(lines, o);
        var validator = new PieceValidator(o);
        var expected = Reference(corpus, validator, steps);

        var merges = new BpeMerges(corpus, validator);
        var actual = new List<string>();
        while (actual.Count < steps && merges.MergeBest() is { } piece) actual.Add(piece);
        Assert.True(expected.Count > 50, $"only {expected.Count} merges");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void JapaneseTextMergesMatchTheReference()
    {
        var o = new TrainerOptions { CharacterCoverage = 0.9995, Threads = 2 };
        var corpus = TrainingCorpus.Build(TestCorpus.Lines("ja", 15_000), o);
        var validator = new PieceValidator(o);
        var expected = Reference(corpus, validator, 150);
        var merges = new BpeMerges(corpus, validator);
        var actual = new List<string>();
        while (actual.Count < 150 && merges.MergeBest() is { } piece) actual.Add(piece);
        Assert.Equal(expected, actual);
    }
}
