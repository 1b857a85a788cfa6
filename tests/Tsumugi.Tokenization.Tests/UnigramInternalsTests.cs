using System.Text;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Trainers;
using Piece = Tsumugi.Tokenization.Trainers.UnigramTrainer.Piece;

namespace Tsumugi.Tokenization.Tests;

/// <summary>
/// The Unigram trainer's fast paths against straightforward references on random inputs: the code-point
/// double-array trie, the lattice edges with masked (dropped) pieces, the scaled probability-space E-step against
/// the log-space one, the corpus word counting, the UTF-16 ordinal comparison of code-point strings and the line reader.
/// </summary>
public sealed class UnigramInternalsTests
{
    // A small alphabet with BMP, supplementary and U+E000+ characters (they sort differently in UTF-16) and "▁".
    static readonly int[] Alphabet = ['a', 'b', 'c', 'あ', 'い', '漢', 0x2581, 0x20000, 0x1F600, 0xFF41, 0xE000];

    static int[] RandomCps(Random rng, int minLength, int maxLength, int alphabet = 11) =>
        [.. Enumerable.Range(0, rng.Next(minLength, maxLength + 1)).Select(_ => Alphabet[rng.Next(alphabet)])];

    static string Str(int[] cps) => TrainingCorpus.FromCodePoints(cps);

    [Fact]
    public void CodePointTrieFindsEveryKeyItsPrefixesAndNothingElse()
    {
        var rng = new Random(1);
        var keys = Enumerable.Range(0, 3000).Select(_ => RandomCps(rng, 1, 8)).ToList();
        keys.Add(keys[10]); // a duplicate: the last index wins, as when keys are added in order
        var trie = new CpTrie(keys);
        var last = new Dictionary<string, int>();
        for (int i = 0; i < keys.Count; i++) last[Str(keys[i])] = i;
        var prefixes = keys.SelectMany(k => Enumerable.Range(1, k.Length).Select(n => Str(k[..n]))).ToHashSet();
        foreach (var (key, id) in last) Assert.Equal(id, trie.Find(TrainingCorpus.ToCodePoints(key)));
        // Keys are not stored: each one, duplicates included, is read back from the trie.
        for (int i = 0; i < keys.Count; i++) Assert.Equal(Str(keys[i]), trie.KeyString(i));
        for (int t = 0; t < 5000; t++)
        {
            var probe = RandomCps(rng, 1, 9, Alphabet.Length - 1).Append(t % 7 == 0 ? 'z' : 'a').ToArray(); // 'z' is in no key
            int expected = last.TryGetValue(Str(probe), out int id) ? id : -1;
            Assert.Equal(expected, trie.Find(probe));
            // Walking: a node exists exactly for prefixes of keys.
            int node = CpTrie.Root;
            for (int n = 0; n < probe.Length && node >= 0; n++)
            {
                int c = trie.Code(probe[n]);
                node = c == 0 ? -1 : trie.Next(node, c);
                Assert.Equal(prefixes.Contains(Str(probe[..(n + 1)])), node >= 0);
            }
        }
    }

    static (TrainingCorpus Corpus, List<int[]> Keys, List<Piece> Pieces) RandomProblem(Random rng, int words, int maxWordLength, int pieceCount)
    {
        var sentences = Enumerable.Range(0, words).Select(_ => Str(RandomCps(rng, 1, maxWordLength, 6)).Replace("\u2581", "")).Where(s => s.Length > 0).ToList();
        var corpus = TrainingCorpus.Build(sentences, new TrainerOptions { CharacterCoverage = 1.0, Threads = 2 });
        var alphabet = corpus.Alphabet.Select(a => new[] { a.Cp });
        var multi = Enumerable.Range(0, pieceCount).Select(_ => RandomCps(rng, 2, 5, 6)).Where(p => !p.Contains(0x2581) || p[0] == 0x2581);
        var keys = alphabet.Concat(multi).DistinctBy(Str).ToList();
        var pieces = keys.Select((_, i) => new Piece((float)(-1 - rng.NextDouble() * 12), i)).ToList();
        return (corpus, keys, pieces);
    }

    [Fact]
    public void LatticeEdgesAreEveryCurrentPieceOccurrenceAndUnknownCharacters()
    {
        var rng = new Random(2);
        var (corpus, keys, pieces) = RandomProblem(rng, 300, 30, 400);
        var words = corpus.Words.Select(w => w.Cps).ToList();
        var lattice = new UnigramTrainer.Lattice(corpus, new CpTrie(keys));
        // Drop a third of the pieces (single characters included): masked, not rebuilt.
        var current = pieces.Where(_ => rng.Next(3) > 0).ToList();
        lattice.SetPieces(current);
        var idOf = current.Select((p, i) => (Str(keys[p.Key]), i)).ToDictionary(x => x.Item1, x => x.i);
        var buffer = new UnigramTrainer.EdgeBuffer();
        for (int w = 0; w < words.Count; w++)
        {
            var cps = words[w];
            var expected = new List<(int, int, int)>();
            for (int s = 0; s < cps.Length; s++)
            {
                for (int e = s + 1; e <= cps.Length; e++)
                    if (idOf.TryGetValue(Str(cps[s..e]), out int id)) expected.Add((s, e, id));
                if (!idOf.ContainsKey(Str(cps[s..(s + 1)]))) expected.Add((s, s + 1, -1));
            }
            lattice.Edges(lattice.Word(w), buffer);
            var actual = Enumerable.Range(0, buffer.Count).Select(k => (buffer.S[k], buffer.E[k], buffer.Id[k])).ToList();
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(3, 40)]
    [InlineData(4, 1500)] // words long enough for the scaled sums to overflow: the log-space fallback
    public void ScaledEStepMatchesTheLogSpaceEStep(int seed, int maxWordLength)
    {
        var rng = new Random(seed);
        var (corpus, keys, pieces) = RandomProblem(rng, 400, maxWordLength, 300);
        var lattice = new UnigramTrainer.Lattice(corpus, new CpTrie(keys));
        var current = pieces.Where(p => keys[p.Key].Length == 1 || rng.Next(4) > 0).ToList();
        var (fast, fastObjective) = UnigramTrainer.EStep(lattice, current, 2);
        fast = fast[..current.Count];
        var (reference, referenceObjective) = UnigramTrainer.EStep(lattice, current, 1, logSpace: true);
        reference = reference[..current.Count];
        Assert.Equal(referenceObjective, fastObjective, 1e-9);
        Assert.True(reference.Sum() > 100);
        for (int i = 0; i < current.Count; i++)
            Assert.True(Math.Abs(fast[i] - reference[i]) <= 1e-9 * Math.Max(1, reference[i]), $"piece {i} '{Str(keys[current[i].Key])}': {fast[i]} vs {reference[i]}");
    }

    [Fact]
    public void AWordWithAstronomicallyManyPathsFallsBackToLogSpace()
    {
        // "▁" + 3000 × "a" with pieces a, aa, aaa of equal score: the scaled forward sum (≥ the number of
        // segmentations) leaves the double range, so the word is done in log space and still counts right.
        var corpus = TrainingCorpus.Build([new string('a', 3000), "ab"], new TrainerOptions { CharacterCoverage = 1.0, Threads = 1 });
        int[][] keys = [[0x2581], ['a'], ['a', 'a'], ['a', 'a', 'a'], ['b']];
        var pieces = keys.Select((_, i) => new Piece(-0.1f, i)).ToList();
        var lattice = new UnigramTrainer.Lattice(corpus, new CpTrie(keys));
        var (fast, objective) = UnigramTrainer.EStep(lattice, pieces, 1);
        fast = fast[..pieces.Count];
        var (reference, referenceObjective) = UnigramTrainer.EStep(lattice, pieces, 1, logSpace: true);
        Assert.All(fast, x => Assert.True(double.IsFinite(x)));
        Assert.Equal(referenceObjective, objective, 1e-9);
        for (int i = 0; i < pieces.Count; i++) Assert.Equal(reference[i], fast[i], 1e-6 * Math.Max(1, reference[i]));
        Assert.True(fast[1] + 2 * fast[2] + 3 * fast[3] > 3000 - 1e-6); // every 'a' is covered
    }

    [Fact]
    public void CorpusWordsMatchAStringDictionaryReference()
    {
        var rng = new Random(5);
        // Real text plus random lines with supplementary characters, rare characters (outside the coverage) and
        // user-defined symbols that cut sentences.
        var lines = TestCorpus.Lines("ja", 40_000).Concat(Enumerable.Range(0, 500).Select(_ =>
            string.Concat(Enumerable.Range(0, rng.Next(1, 20)).Select(_ => rng.Next(12) switch
            {
                0 => " ", 1 => "😀", 2 => "𠀋", 3 => "<|x|>", 4 => "\uE000", 5 => ((char)('ア' + rng.Next(40))).ToString(),
                6 => ((char)(0x4E00 + rng.Next(20000))).ToString(), _ => ((char)('a' + rng.Next(26))).ToString(),
            })))).ToList();
        var o = new TrainerOptions { CharacterCoverage = 0.999, UserDefinedSymbols = ["<|x|>"], Threads = 2 };
        var corpus = TrainingCorpus.Build(lines, o);

        // Reference (the trainer's previous implementation): per-character dictionary, words as strings.
        var normalizer = new SpmNormalizer(TrainingCorpus.NormalizerSpecFor(o), false, null);
        var normalized = lines.SelectMany(l => l.Split(["<|x|>"], StringSplitOptions.None))
            .Select(p => System.Text.Encoding.UTF8.GetString(normalizer.Normalize(p))).Where(n => n.Length > 0).Select(TrainingCorpus.ToCodePoints).ToList();
        var counts = normalized.SelectMany(c => c).GroupBy(c => c).ToDictionary(g => g.Key, g => (long)g.Count());
        long total = counts.Values.Sum(), acc = 0;
        var alphabet = new List<(int, long)>();
        foreach (var (cp, n) in counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)))
        {
            if (acc / (double)total >= o.CharacterCoverage) break;
            alphabet.Add((cp, n)); acc += n;
        }
        Assert.Equal(alphabet, corpus.Alphabet);
        var known = alphabet.Select(a => a.Item1).ToHashSet();
        var words = new Dictionary<string, (long F, byte Ends)>(StringComparer.Ordinal);
        void Count(string w, byte end) => words[w] = words.TryGetValue(w, out var x) ? (x.F + 1, (byte)(x.Ends | end)) : (1, end);
        foreach (var cps in normalized)
        {
            var sb = new StringBuilder();
            foreach (int cp in cps)
            {
                bool boundary = !known.Contains(cp) || cp == TrainingCorpus.MetaChar;
                if (boundary && sb.Length > 0) { Count(sb.ToString(), cp == TrainingCorpus.MetaChar ? (byte)1 : (byte)2); sb.Clear(); }
                if (known.Contains(cp)) sb.Append(char.ConvertFromUtf32(cp));
            }
            if (sb.Length > 0) Count(sb.ToString(), 2);
        }
        var expected = words.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(kv => kv.Key), corpus.Words.Select(w => Str(w.Cps)));
        Assert.Equal(expected.Select(kv => kv.Value.F), corpus.Words.Select(w => w.Freq));
        Assert.Equal(expected.Select(kv => kv.Value.Ends), corpus.WordEnds);
        Assert.Contains(corpus.Words, w => w.Cps.Any(c => c >= 0x10000));
    }

    [Fact]
    public void CodePointComparisonIsUtf16Ordinal()
    {
        var rng = new Random(6);
        for (int t = 0; t < 20_000; t++)
        {
            var a = RandomCps(rng, 0, 4);
            var b = rng.Next(3) == 0 ? [.. a.Take(rng.Next(a.Length + 1)), .. RandomCps(rng, 0, 2)] : RandomCps(rng, 0, 4);
            Assert.Equal(Math.Sign(string.CompareOrdinal(Str(a), Str(b))), Math.Sign(UnigramTrainer.CompareUtf16(a, b)));
        }
    }

    [Fact]
    public void LinesAreReadAcrossBufferBoundaries()
    {
        var rng = new Random(7);
        var lines = Enumerable.Range(0, 300).Select(i => i % 50 == 0 ? "" : new string('あ', rng.Next(0, i % 7 == 0 ? 40_000 : 300)) + "x\r").ToList();
        var path = Path.Combine(Path.GetTempPath(), $"tsumugi-lines-{Environment.ProcessId}.txt");
        try
        {
            File.WriteAllText(path, string.Join("\n", lines) + "\n", new UTF8Encoding(false));
            Assert.Equal(lines, TrainingInput.ReadDocuments(path).ToList());
            File.WriteAllText(path, string.Join("\n", lines), new UTF8Encoding(false)); // no final newline
            Assert.Equal(lines, TrainingInput.ReadDocuments(path).ToList());
            var bytes = System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines.Take(120)) + "\n").Concat(new byte[] { 0xE3, 0x81, (byte)'\n' }).ToArray();
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => TrainingInput.ReadDocuments(path).ToList());
            Assert.Contains(":121: invalid UTF-8", e.Message);
        }
        finally { File.Delete(path); }
    }
}
