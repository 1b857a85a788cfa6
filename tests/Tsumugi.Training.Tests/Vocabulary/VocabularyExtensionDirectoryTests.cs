using Tsumugi.Modeling;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Trainers;
using Tsumugi.Training.Continued;
using Tsumugi.Training.Tests.Support;
using static TorchSharp.torch;
using static Tsumugi.Training.Tests.Vocabulary.TinyModels;

namespace Tsumugi.Training.Tests.Vocabulary;

[Collection(VocabularyCollection.Name)]
public sealed class VocabularyExtensionDirectoryTests(TokenizerPair pair) : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TheExtendedModelSavesAsAnHfDirectoryThatLoadsWithTheNewVocabulary()
    {
        var tokenizerDir = _temp.File("new-tokenizer");
        TokenizerDirectory.Save(pair.New.Model, tokenizerDir);
        using var old = Build(pair.Old.VocabSize, tie: false, ScalarType.BFloat16);
        var (grown, _) = VocabularyExtension.Extend(old, pair.Old, pair.New);
        var output = _temp.File("extended");
        using (grown)
        {
            HfModelDirectory.Save(grown, output, tokenizerDir);
            using var loaded = HfModelDirectory.Load(output, ScalarType.BFloat16);
            Assert.Equal(pair.New.VocabSize, loaded.Config.VocabSize);
            Assert.Equal("bfloat16", LlamaConfig.Load(output).TorchDtype);
            foreach (var name in new[] { Embedding, LmHead })
                Assert.True(Rows.BitEqual(Weight(grown, name), Weight(loaded, name)), name);
        }
        Assert.Equal(pair.New.VocabSize, TokenizerDirectory.Load(output).VocabSize);
    }

    [Fact]
    public void LoadExtendedReadsTheModelsTokenizerAndTheIdMapNextToTheNewTokenizer()
    {
        var oldTokenizerDir = _temp.File("old-tokenizer");
        TokenizerDirectory.Save(pair.Old.Model, oldTokenizerDir);
        var modelDir = _temp.File("model");
        using var old = Build(pair.Old.VocabSize, tie: true);
        HfModelDirectory.Save(old, modelDir, oldTokenizerDir);
        var tokenizerDir = _temp.File("new-tokenizer");
        TokenizerDirectory.Save(pair.New.Model, tokenizerDir);
        // A hand-edited map: the first new piece averages rows 5 and 9 instead of its own split.
        int first = pair.IdMap.Keys.First();
        var edited = new SortedDictionary<int, int[]>(pair.IdMap) { [first] = [5, 9] };
        VocabularyTools.WriteIdMap(edited, Path.Combine(tokenizerDir, VocabularyIdMap.FileName), pair.Old.VocabSize);

        var (grown, report) = VocabularyExtension.LoadExtended(modelDir, tokenizerDir);
        using (grown)
        {
            Assert.Equal((pair.Old.VocabSize, TokenizerPair.Added), (report.CopiedRows, report.MeanInitializedRows));
            var before = Weight(old, Embedding);
            Rows.Close(Rows.Mean(before, [5, 9]), Weight(grown, Embedding)[first], 1e-6, 1e-6, $"row {first}");
            var (last, lastIds) = pair.IdMap.Last();
            Rows.Close(Rows.Mean(before, lastIds), Weight(grown, Embedding)[last], 1e-6, 1e-6, $"row {last}");
        }
    }

    [Fact]
    public void IdMapRoundTripsAndMalformedFilesNameTheKey()
    {
        var path = _temp.File(VocabularyIdMap.FileName);
        VocabularyTools.WriteIdMap(pair.IdMap, path, pair.Old.VocabSize);
        var map = VocabularyIdMap.Read(path);
        Assert.Equal((pair.Old.VocabSize, pair.New.VocabSize), (map.OldVocabSize, map.NewVocabSize));
        Assert.Equal(pair.IdMap.Keys, map.NewTokens.Keys.Order());
        foreach (var (id, ids) in pair.IdMap) Assert.Equal(ids, map.NewTokens[id]);

        File.WriteAllText(path, """{"old_vocab_size": 10, "new_vocab_size": 12, "new_tokens": {"10": [1, "x"]}}""");
        var error = Assert.Throws<InvalidDataException>(() => VocabularyIdMap.Read(path));
        Assert.Contains("new_tokens[10]", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void AModelDirectoryWithoutATokenizerNeedsOldTokenizer()
    {
        var modelDir = _temp.File("bare");
        using (var old = Build(pair.Old.VocabSize, tie: true)) HfModelDirectory.Save(old, modelDir);
        var tokenizerDir = _temp.File("new-tokenizer");
        TokenizerDirectory.Save(pair.New.Model, tokenizerDir);
        var error = Assert.Throws<FileNotFoundException>(() => VocabularyExtension.LoadExtended(modelDir, tokenizerDir));
        Assert.Contains("--old-tokenizer", error.Message);

        var oldTokenizerDir = _temp.File("old-tokenizer");
        TokenizerDirectory.Save(pair.Old.Model, oldTokenizerDir);
        var (grown, _) = VocabularyExtension.LoadExtended(modelDir, tokenizerDir, Path.Combine(oldTokenizerDir, "tokenizer.model"));
        using (grown) Assert.Equal(pair.New.VocabSize, grown.Config.VocabSize);
    }
}
