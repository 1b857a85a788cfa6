using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Tests;

public sealed class UnigramTrainerTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    static double CharsPerToken(Func<string, int[]> encode, IEnumerable<string> lines)
    {
        long chars = 0, tokens = 0;
        foreach (var l in lines) { chars += l.Length; tokens += encode(l).Length; }
        return chars / (double)tokens;
    }

    [Fact]
    public void JapaneseCompressionIsAtLeast99PercentOfSpmTrainAndSpmEncodesOurModelIdentically()
    {
        var all = TestCorpus.Lines("ja", 400_000);
        int cut = all.Count * 3 / 4;
        var train = all.Take(cut).ToList();
        var heldOut = all.Skip(cut).ToList();
        var spmModel = SpmTools.Train(fx.Dir, "ja-uni-3k", train,
            "--model_type=unigram --vocab_size=3000 --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false --character_coverage=0.9995");
        var ours = UnigramTrainer.Train(train, new TrainerOptions { VocabSize = 3000, Threads = 2 });
        Assert.Equal(3000, ours.Pieces.Count);
        var ourPath = Path.Combine(fx.Dir, "ours-ja-uni-3k.model");
        ours.Save(ourPath);

        var spmIds = SpmTools.EncodeIds(spmModel, heldOut);
        var ourIdsBySpm = SpmTools.EncodeIds(ourPath, heldOut);
        var ourTok = new SpmTokenizer(ours);
        for (int i = 0; i < heldOut.Count; i++)
        {
            var mine = ourTok.Encode(heldOut[i]);
            Assert.True(ourIdsBySpm[i].SequenceEqual(mine), $"'{heldOut[i]}': spm [{string.Join('|', ourIdsBySpm[i].Select(x => ours.Pieces[x].Piece + ':' + ours.Pieces[x].Score))}] vs ours [{string.Join('|', mine.Select(x => ours.Pieces[x].Piece + ':' + ours.Pieces[x].Score))}]");
        }

        long chars = heldOut.Sum(l => (long)l.Length);
        double spmCpt = chars / (double)spmIds.Sum(x => x.Length);
        double ourCpt = chars / (double)ourIdsBySpm.Sum(x => x.Length);
        Assert.True(ourCpt >= 0.99 * spmCpt, $"ours {ourCpt:F4} chars/token vs spm_train {spmCpt:F4}");
    }

    [Fact]
    public void LayoutMatchesLlamaAndSymbolsAreAtomic()
    {
        var o = new TrainerOptions { VocabSize = 800, Threads = 2, UserDefinedSymbols = ["<|im_start|>", "<|im_end|>"], ControlSymbols = ["<|pad|>"] };
        var m = UnigramTrainer.Train(TestCorpus.Lines("en", 60_000), o);
        Assert.Equal(["<unk>", "<s>", "</s>", "<|pad|>", "<|im_start|>", "<|im_end|>", "<0x00>"], m.Pieces.Take(7).Select(p => p.Piece));
        Assert.Equal(PieceType.Control, m.Pieces[3].Type);
        Assert.Equal(PieceType.UserDefined, m.Pieces[4].Type);
        Assert.Equal("<0xFF>", m.Pieces[6 + 255].Piece);
        var scores = m.Pieces.Skip(6 + 256).Select(p => p.Score).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        var tok = new SpmTokenizer(m);
        var ids = tok.Encode("<|im_start|>user hello<|im_end|>");
        Assert.Contains(4, ids);
        Assert.Contains(5, ids);
    }

    [Fact]
    public void BadInputGivesClearErrors()
    {
        var e1 = Assert.Throws<InvalidDataException>(() => UnigramTrainer.Train([], new TrainerOptions { VocabSize = 1000 }));
        Assert.Contains("empty", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => UnigramTrainer.Train(TestCorpus.Lines("ja", 30_000), new TrainerOptions { VocabSize = 300 }));
        Assert.Contains("smaller than the alphabet", e2.Message + "");
        var bad = Path.Combine(fx.Dir, "bad-utf8.txt");
        File.WriteAllBytes(bad, [(byte)'o', (byte)'k', (byte)'\n', 0xE3, 0x81, (byte)'\n']);
        var e3 = Assert.Throws<InvalidDataException>(() => TrainingInput.ReadSentences([bad], 4192).ToList());
        Assert.Contains("bad-utf8.txt:2", e3.Message);
        Assert.Contains("UTF-8", e3.Message);
        // Training streams its input: a bad line after several batches already went to the workers stops it with the
        // reader's own error.
        var late = Path.Combine(fx.Dir, "bad-utf8-late.txt");
        File.WriteAllBytes(late, [.. System.Text.Encoding.UTF8.GetBytes(string.Join('\n', TestCorpus.Lines("ja", 300_000)) + "\n"), 0xE3, 0x81, (byte)'\n']);
        int lines = File.ReadAllLines(late).Length;
        Assert.True(lines > 3000, $"{lines} lines");
        var e4 = Assert.Throws<InvalidDataException>(() => UnigramTrainer.Train(TrainingInput.ReadSentences([late], 4192), new TrainerOptions { VocabSize = 1000, Threads = 2 }));
        Assert.Contains($"bad-utf8-late.txt:{lines}: invalid UTF-8", e4.Message);
    }

    [Fact]
    public void LongLinesAreSplitNotDropped()
    {
        var line = string.Concat(Enumerable.Repeat("これは長い文書の一文です。", 400)); // ~15.6 KB
        var parts = TrainingInput.SplitLong(line, 4192).ToList();
        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(System.Text.Encoding.UTF8.GetByteCount(p) <= 4192));
        Assert.Equal(line, string.Concat(parts));
    }

    [Fact]
    public void DigammaMatchesKnownValues()
    {
        // ψ(1) = −γ, ψ(0.5) = −γ − 2 ln 2, ψ(10) = H₉ − γ
        const double gamma = 0.5772156649015329;
        Assert.Equal(-gamma, UnigramTrainer.Digamma(1), 9);
        Assert.Equal(-gamma - 2 * Math.Log(2), UnigramTrainer.Digamma(0.5), 9);
        Assert.Equal(Enumerable.Range(1, 9).Sum(k => 1.0 / k) - gamma, UnigramTrainer.Digamma(10), 9);
    }
}
