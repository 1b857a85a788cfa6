using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Tokenization.Tests.ByteLevel;

/// <summary>Training and Swallow-style extension of byte-level vocabularies.</summary>
public sealed class ByteLevelExtendTests(ByteLevelFixture fx) : IClassFixture<ByteLevelFixture>
{
    /// <summary>A Llama 3-shaped base: English/code merges, the special tokens after the vocabulary (as 128000+ are).</summary>
    static ByteLevelBpeModel EnglishBase()
    {
        var m = ByteLevelBpeTrainer.Train(TestCorpus.Lines("en", 150_000).Concat(TestCorpus.Lines("code", 150_000)),
            new ByteLevelTrainerOptions { VocabSize = 1500, Flavor = ByteLevelFlavor.Llama3, MinFrequency = 2 });
        int next = m.IdCount;
        foreach (var s in new[] { "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>" }) m.AddedTokens.Add(new AddedToken(next++, s, Special: true));
        m.BosToken = "<|begin_of_text|>";
        m.EosToken = "<|end_of_text|>";
        return m;
    }

    [Fact]
    public void ExtensionKeepsEveryOldIdAndMergeAndAgreesWithHfJavaScript()
    {
        var baseModel = EnglishBase();
        int oldCount = baseModel.IdCount;
        var ext = ByteLevelBpeTrainer.Extend(baseModel, TestCorpus.Lines("ja", 200_000), add: 400);
        foreach (var (token, id) in baseModel.Vocab) Assert.Equal(id, ext.Vocab[token]);
        Assert.Equal(baseModel.Merges, ext.Merges.Take(baseModel.Merges.Count));
        Assert.Equal(baseModel.AddedTokens, ext.AddedTokens);
        var newIds = ext.Vocab.Values.Where(id => !baseModel.Vocab.ContainsValue(id)).Order().ToList();
        Assert.Equal(400, newIds.Count);
        Assert.Equal(Enumerable.Range(oldCount, 400), newIds);

        var dir = Path.Combine(fx.Dir, "extended");
        ext.Save(dir);
        var baseTok = new ByteLevelBpeTokenizer(baseModel);
        var tok = Assert.IsType<ByteLevelBpeTokenizer>(TokenizerDirectory.Load(dir));
        Assert.Equal(baseTok.BosId, tok.BosId);
        var ja = ByteLevelFixture.HeldOut(300).Take(300).ToList();
        var en = TestCorpus.Lines("en", 300_000).Skip(TestCorpus.Lines("en", 150_000).Count).Take(300).ToList();
        var lines = ja.Concat(en).Concat(ByteLevelParityTests.Tricky).Append("<|begin_of_text|>日本語<|eot_id|>").ToList();
        var ours = lines.Select(tok.Encode).ToList();
        var (js, _) = HfJs.Run(dir, lines, []);
        for (int i = 0; i < lines.Count; i++)
            Assert.True(js[i].SequenceEqual(ours[i]), $"line {i} '{lines[i]}': ours [{string.Join(' ', ours[i])}] vs JS [{string.Join(' ', js[i])}]");
        // Japanese gets shorter; where no new token is used the old ids are reproduced exactly.
        Assert.True(ja.Sum(l => tok.Encode(l).Length) < 0.8 * ja.Sum(l => baseTok.Encode(l).Length));
        int same = 0;
        foreach (var l in lines)
        {
            var e = tok.Encode(l);
            if (e.All(id => id < oldCount)) { Assert.Equal(baseTok.Encode(l), e); same++; }
        }
        Assert.True(same > 200, $"only {same} lines use no new token");
    }

    [Fact]
    public void TrainerFillsTheVocabularySpecialsFirstThenBytesThenMerges()
    {
        var model = ByteLevelBpeTrainer.Train(TestCorpus.Lines("ja", 50_000), new ByteLevelTrainerOptions
        {
            VocabSize = 800, Flavor = ByteLevelFlavor.Qwen2, SpecialTokens = ["<|endoftext|>", "<|im_start|>"],
        });
        Assert.Equal(800, model.Vocab.Count);
        Assert.Equal(0, model.Vocab["<|endoftext|>"]);
        Assert.Equal(1, model.Vocab["<|im_start|>"]);
        Assert.Equal(ByteLevelAlphabet.SortedAlphabet().Select((c, i) => (c.ToString(), i + 2)), ByteLevelAlphabet.SortedAlphabet().Select(c => (c.ToString(), model.Vocab[c.ToString()])));
        Assert.Equal(800 - 258, model.Merges.Count);
        // Each merge creates the next id, and a merge's parts exist before it.
        for (int r = 0; r < model.Merges.Count; r++)
        {
            var (a, b) = model.Merges[r];
            Assert.Equal(258 + r, model.Vocab[a + b]);
            Assert.True(model.Vocab[a] < 258 + r && model.Vocab[b] < 258 + r);
        }
        // The first merge is the most frequent byte pair of the words (ties: smallest id pair).
        var tok = new ByteLevelBpeTokenizer(ByteLevelBpeModel.Create(ByteLevelFlavor.Qwen2, ["<|endoftext|>", "<|im_start|>"]));
        var counts = new Dictionary<(int, int), long>();
        foreach (var line in TestCorpus.Lines("ja", 50_000))
        {
            var pre = new List<string>();
            tok.CollectPreTokens(line, pre);
            foreach (var p in pre)
            {
                var w = tok.Encode(p);
                for (int i = 0; i + 1 < w.Length; i++) counts[(w[i], w[i + 1])] = counts.GetValueOrDefault((w[i], w[i + 1])) + 1;
            }
        }
        var best = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key).First().Key;
        Assert.Equal((tok.IdToPiece(best.Item1), tok.IdToPiece(best.Item2)), model.Merges[0]);
    }

    [Fact]
    public void ErrorsNameTheFileAndWhatIsSupported()
    {
        var dir = Path.Combine(fx.Dir, "errors");
        Directory.CreateDirectory(dir);
        var bbpe = fx.TokenizerDir(ByteLevelFlavor.Gpt2);
        var e = Assert.Throws<NotSupportedException>(() => TokenizerDirectory.LoadSentencePiece(bbpe, "tokenizer merge"));
        Assert.Contains(Path.Combine(bbpe, "tokenizer.json"), e.Message);
        Assert.Contains("byte-level BPE", e.Message);
        Assert.Contains("tokenizer merge supports SentencePiece", e.Message);

        var wordPiece = Path.Combine(dir, "wp.json");
        File.WriteAllText(wordPiece, """{"model":{"type":"WordPiece","vocab":{"a":0}},"pre_tokenizer":null,"decoder":null}""");
        var w = Assert.Throws<NotSupportedException>(() => TokenizerDirectory.Load(wordPiece));
        Assert.Contains(wordPiece, w.Message);
        Assert.Contains("WordPiece", w.Message);
        Assert.Contains("byte-level BPE", w.Message);

        var json = File.ReadAllText(Path.Combine(bbpe, "tokenizer.json"));
        var badMerge = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(badMerge, json.Replace("\"merges\": [", "\"merges\": [\n[\"Ġ\", \"zzzq\"],"));
        var m = Assert.Throws<InvalidDataException>(() => TokenizerDirectory.Load(badMerge));
        Assert.Contains(badMerge, m.Message);
        Assert.Contains("model.merges[0]", m.Message);
    }
}
