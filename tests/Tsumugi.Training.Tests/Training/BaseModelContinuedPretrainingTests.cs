using Tsumugi.Datasets;
using Tsumugi.Modeling;
using Tsumugi.Tokenization;
using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Trainers;
using Tsumugi.Training.Continued;
using Tsumugi.Training.Tests.Support;
using Tsumugi.Training.Tests.Vocabulary;
using static TorchSharp.torch;

namespace Tsumugi.Training.Tests.Training;

/// <summary>
/// The Swallow recipe on today's base-model kinds: a tiny Qwen2-style model with a byte-level BPE tokenizer (extended
/// with Japanese merges, old ids kept) and a tiny Gemma 2-style model with a SentencePiece tokenizer (extended with
/// Japanese pieces) continue pretraining on Japanese through model.from + model.tokenizer: the run resumes exactly
/// and the held-out Japanese loss falls below the extended model's at step 0.
/// </summary>
[Collection(VocabularyCollection.Name)]
public sealed class BaseModelContinuedPretrainingTests(TokenizerPair pair) : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Presets => new() { "tiny-qwen2", "tiny-gemma2" };

    [Theory]
    [MemberData(nameof(Presets))]
    public void ContinuedPretrainingWithAnExtendedVocabularyResumesExactlyAndLowersHeldOutLoss(string preset)
    {
        var (oldTok, newTok) = preset == "tiny-qwen2" ? ByteLevelTokenizers() : SentencePieceTokenizers();
        var baseDir = _temp.File("base");
        var config = ModelPresets.Get(preset);
        TokenizerInfo.Apply(oldTok, config);
        using (var model = new LlamaForCausalLM(config))
        {
            model.InitializeWeights(7);
            HfModelDirectory.Save(model, baseDir, oldTok);
        }
        var tokenizer = TokenizerDirectory.Load(newTok);
        var japanese = CorpusText.Lines("ja", 60_000);
        var data = Dataset(tokenizer, japanese.Take(japanese.Count * 3 / 4));
        var heldOut = tokenizer.Encode(string.Join("\n", japanese.Skip(japanese.Count * 3 / 4))).Take(512).ToArray();
        Assert.Contains(heldOut, id => id >= TokenizerDirectory.Load(oldTok).VocabSize); // the new tokens are in use

        var train = TinyRuns.Config(data, "model.preset=", "model.vocab_size=", $"model.from={baseDir}", $"model.tokenizer={newTok}");
        var reference = _temp.File("reference");
        using (var trainer = TinyRuns.Open(train, reference))
        {
            Assert.Equal(preset == "tiny-qwen2" ? "qwen2" : "gemma2", trainer.Model.Config.ModelType);
            Assert.Equal(tokenizer.VocabSize, trainer.Model.Config.VocabSize);
            Assert.True(trainer.Run().Completed);
        }
        var run = _temp.File("run");
        ResumeTests.RunUntil(train, run, 12);
        using (var resumed = TinyRuns.Open(train, run, resume: true))
        {
            Assert.Equal(12, resumed.Step); // RunUntil checkpoints where it stops
            Assert.True(resumed.Run().Completed);
        }
        ResumeTests.AssertSameCurve(reference, run);
        ResumeTests.AssertSameWeights(Path.Combine(reference, "model"), Path.Combine(run, "model"));

        var (start, _) = VocabularyExtension.LoadExtended(baseDir, newTok);
        using (start)
        using (var trained = HfModelDirectory.Load(Path.Combine(reference, "model")))
        {
            double before = Loss(start, heldOut), after = Loss(trained, heldOut);
            Assert.True(after < before - 0.1, $"held-out loss {before:0.000} → {after:0.000}");
        }
    }

    /// <summary>A Qwen2-style byte-level tokenizer trained on English, and its extension with Japanese merges.</summary>
    (string Old, string New) ByteLevelTokenizers()
    {
        var old = ByteLevelBpeTrainer.Train(CorpusText.Lines("en", 40_000), new ByteLevelTrainerOptions
        {
            VocabSize = 500, Flavor = ByteLevelFlavor.Qwen2, SpecialTokens = ["<|endoftext|>"], EosToken = "<|endoftext|>", Threads = 2,
        });
        old.Save(_temp.File("tok-old"));
        var extended = ByteLevelBpeTrainer.Extend(old, CorpusText.Lines("ja", 40_000), 150, threads: 2);
        extended.Save(_temp.File("tok-new"));
        // Every old id keeps its token; the new ones come after.
        Assert.All(old.Vocab, kv => Assert.Equal(kv.Value, extended.Vocab[kv.Key]));
        return (_temp.File("tok-old"), _temp.File("tok-new"));
    }

    /// <summary>The shared English SentencePiece tokenizer and its Japanese extension (with id-map.json).</summary>
    (string Old, string New) SentencePieceTokenizers()
    {
        TokenizerDirectory.Save(pair.Old.Model, _temp.File("tok-old"));
        TokenizerDirectory.Save(pair.New.Model, _temp.File("tok-new"));
        VocabularyTools.WriteIdMap(pair.IdMap, Path.Combine(_temp.File("tok-new"), VocabularyIdMap.FileName), pair.Old.VocabSize);
        return (_temp.File("tok-old"), _temp.File("tok-new"));
    }

    string Dataset(ITokenizer tokenizer, IEnumerable<string> lines)
    {
        var prefix = Path.Combine(_temp.File("data"), "ja");
        using var writer = new IndexedDatasetWriter(prefix,
            new IndexedDatasetWriterOptions { VocabularySize = tokenizer.VocabSize, EosId = tokenizer.EosId, Domain = "ja" });
        foreach (var document in lines.Chunk(8)) writer.Add(tokenizer.Encode(string.Join("\n", document)));
        writer.Complete();
        return prefix;
    }

    static double Loss(LlamaForCausalLM model, int[] ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        return model.Forward(input, labels: input).Loss!.item<float>();
    }
}
