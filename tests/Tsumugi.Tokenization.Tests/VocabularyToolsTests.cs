using System.Text.Json;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Metrics;
using Tsumugi.Tokenization.Spm;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Tests;

public sealed class VocabularyToolsTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    [Fact]
    public void ExtendKeepsEveryIdAddsJapanesePiecesAndMapsThemToOldIds()
    {
        // Base: an English-only BPE model trained by spm_train (like a Llama-style 32k, but small).
        var basePath = SpmTools.Train(fx.Dir, "en-bpe-base", TestCorpus.Lines("en", 80_000),
            "--model_type=bpe --vocab_size=1000 --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false");
        var baseModel = SpmModel.Load(basePath);
        var ja = TestCorpus.Lines("ja", 80_000);
        var (model, idMap) = VocabularyTools.Extend(baseModel, ja, 300, new TrainerOptions { Threads = 2 });
        Assert.Equal(1300, model.Pieces.Count);
        for (int i = 0; i < baseModel.Pieces.Count; i++) Assert.Equal(baseModel.Pieces[i], model.Pieces[i]);
        Assert.Equal(300, idMap.Count);
        Assert.Equal(1000, idMap.Keys.Min());
        var oldTok = new SpmTokenizer(baseModel);
        foreach (var (id, oldIds) in idMap)
        {
            Assert.True(oldIds.Length >= 1);
            // the old ids decode back to the new piece's text (▁ → space)
            Assert.Equal(model.Pieces[id].Piece.Replace('\u2581', ' '), DecodeRaw(oldTok, oldIds));
        }
        var path = Path.Combine(fx.Dir, "extended.model");
        model.Save(path);
        var held = ja.TakeLast(200).ToList();
        var spm = SpmTools.EncodeIds(path, held);
        var ours = new SpmTokenizer(model);
        for (int i = 0; i < held.Count; i++) Assert.Equal(spm[i], ours.Encode(held[i]));
        long before = held.Sum(l => (long)oldTok.Encode(l).Length), after = spm.Sum(x => (long)x.Length);
        Assert.True(after < before * 0.9, $"extension should shorten Japanese: {before} → {after} tokens");
        var mapPath = Path.Combine(fx.Dir, "id-map.json");
        VocabularyTools.WriteIdMap(idMap, mapPath, 1000);
        using var doc = JsonDocument.Parse(File.ReadAllText(mapPath));
        Assert.Equal(1300, doc.RootElement.GetProperty("new_vocab_size").GetInt32());
    }

    static string DecodeRaw(SpmTokenizer tok, int[] ids)
    {
        // Decode without dropping a leading space: prefix a known piece and strip it again.
        int a = tok.Model.Pieces.FindIndex(p => p.Piece == "a");
        return tok.Decode([a, .. ids])[1..];
    }

    [Fact]
    public void MergeDeduplicatesKeepsTargetSizeAndLoadsInSpm()
    {
        var ja = TestCorpus.Lines("ja", 60_000);
        var code = TestCorpus.Lines("code", 60_000);
        var jaModel = UnigramTrainer.Train(ja, new TrainerOptions { VocabSize = 1200, Threads = 2 });
        var codeModel = UnigramTrainer.Train(code, new TrainerOptions { VocabSize = 1000, Threads = 2 });
        var merged = VocabularyTools.Merge([jaModel, codeModel], [.. ja, .. code], 1800, new TrainerOptions { Threads = 2 });
        Assert.Equal(1800, merged.Pieces.Count);
        Assert.Equal(merged.Pieces.Count, merged.Pieces.Select(p => p.Piece).Distinct().Count());
        var path = Path.Combine(fx.Dir, "merged.model");
        merged.Save(path);
        var held = ja.TakeLast(100).Concat(code.TakeLast(100)).ToList();
        var spm = SpmTools.EncodeIds(path, held);
        var tok = new SpmTokenizer(merged);
        for (int i = 0; i < held.Count; i++) Assert.Equal(spm[i], tok.Encode(held[i]));
        // Better on code than the Japanese-only model, better on Japanese than the code-only model.
        var jaTok = new SpmTokenizer(jaModel); var codeTok = new SpmTokenizer(codeModel);
        var codeHeld = code.TakeLast(100).ToList(); var jaHeld = ja.TakeLast(100).ToList();
        Assert.True(TokenizerEvaluator.Evaluate(tok, "code", codeHeld).Tokens < TokenizerEvaluator.Evaluate(jaTok, "code", codeHeld).Tokens);
        Assert.True(TokenizerEvaluator.Evaluate(tok, "ja", jaHeld).Tokens < TokenizerEvaluator.Evaluate(codeTok, "ja", jaHeld).Tokens);
    }

    [Fact]
    public void EvaluatorCountsHandComputedCase()
    {
        var tok = SpmTokenizer.Load(fx.Model("unigram-bytes"));
        var ids = tok.Encode("😀");
        // "▁" + 4 byte pieces (U+1F600 is not in the vocabulary) or a ▁😀-free split: count bytes from spm itself.
        var spmIds = SpmTools.EncodeIds(fx.Model("unigram-bytes"), ["😀"])[0];
        var s = TokenizerEvaluator.Evaluate(tok, "x", ["😀"]);
        Assert.Equal(1, s.Chars);
        Assert.Equal(4, s.Bytes);
        Assert.Equal(spmIds.Length, s.Tokens);
        Assert.Equal(spmIds.Count(i => tok.Model.Pieces[i].Type == PieceType.Byte), s.ByteTokens);
        Assert.Equal(4, s.ByteTokens);
        Assert.Equal(ids, spmIds);
    }

    [Fact]
    public void JsonlZstShardsAreRead()
    {
        var path = Path.Combine(fx.Dir, "shard.jsonl.zst");
        var docs = new[] { "一行目。\n二行目です。", "english line", "" };
        using (var fs = File.Create(path))
        using (var z = new ZstdSharp.CompressionStream(fs))
        using (var w = new StreamWriter(z))
            foreach (var d in docs) w.WriteLine(JsonSerializer.Serialize(new { id = 1, text = d }));
        Assert.Equal(["一行目。", "二行目です。", "english line"], TrainingInput.ReadSentences([path], 4192).ToList());
        var bad = Path.Combine(fx.Dir, "bad.jsonl");
        File.WriteAllText(bad, "{\"text\":\"ok\"}\n{\"txt\":1}\n");
        var e = Assert.Throws<InvalidDataException>(() => TrainingInput.ReadSentences([bad], 4192).ToList());
        Assert.Contains("bad.jsonl:2", e.Message);
    }
}
