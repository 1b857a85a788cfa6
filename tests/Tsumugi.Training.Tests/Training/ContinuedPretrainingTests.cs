using Tsumugi.Datasets;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;
using Tsumugi.Tokenization.Trainers;
using Tsumugi.Training.Config;
using Tsumugi.Training.Continued;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;
using Tsumugi.Training.Tests.Vocabulary;
using static TorchSharp.torch;
using static Tsumugi.Training.Tests.Vocabulary.TinyModels;

namespace Tsumugi.Training.Tests.Training;

/// <summary>
/// Continued pretraining with vocabulary extension, end to end through the trainer: a base model saved with its
/// tokenizer, an extended tokenizer (`tsumugi tokenizer extend` output: base pieces first, Japanese pieces appended,
/// id-map.json beside it), Japanese data tokenized with the extended tokenizer, then model.from + model.tokenizer.
/// </summary>
[Collection(VocabularyCollection.Name)]
public sealed class ContinuedPretrainingTests(TokenizerPair pair) : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RunFromABaseModelWithAnExtendedTokenizerGrowsTheVocabularyAndTrainsTheNewRows()
    {
        var (baseDir, extendedDir) = BaseModelAndExtendedTokenizer();
        var (data, newIdCounts) = JapaneseDataset(pair.New);
        Assert.NotEmpty(newIdCounts); // the data really uses the extension's pieces, so their rows are trained
        var mostFrequentNewId = newIdCounts.MaxBy(kv => kv.Value).Key;

        // What VocabularyExtension makes of the base directory on its own: the trainer's step-0 model must be exactly this.
        var (extendedModel, report) = VocabularyExtension.LoadExtended(baseDir, extendedDir);
        using var expected = extendedModel;
        Assert.Equal((pair.Old.VocabSize, TokenizerPair.Added), (report.CopiedRows, report.MeanInitializedRows));
        using var baseModel = HfModelDirectory.Load(baseDir);

        var run = _temp.File("run");
        var log = new StringWriter();
        var config = TinyRuns.Config(data, "model.preset=", "model.vocab_size=", $"model.from={baseDir}", $"model.tokenizer={extendedDir}",
            "train.max_steps=6", "schedule.warmup_steps=2");
        Tensor stepZeroEmbedding, stepZeroLmHead;
        using (var trainer = Trainer.Open(config, run, resume: false, log))
        {
            Assert.Equal(pair.New.VocabSize, trainer.Plan.Model.VocabSize);
            Assert.Equal(pair.New.VocabSize, trainer.Model.Config.VocabSize);
            Assert.Contains($"vocabulary extended to {pair.New.VocabSize:N0}", log.ToString());

            // Step 0 (after Open, before the first optimizer step): the grown model, unchanged by the preflight's warm-up.
            stepZeroEmbedding = Weight(trainer.Model, Embedding).detach().clone();
            stepZeroLmHead = Weight(trainer.Model, LmHead).detach().clone();
            Assert.True(Rows.BitEqual(Weight(expected, Embedding), stepZeroEmbedding), "step-0 embedding differs from LoadExtended's");
            Assert.True(Rows.BitEqual(Weight(expected, LmHead), stepZeroLmHead), "step-0 lm_head differs from LoadExtended's");
            // Every piece the base tokenizer has keeps the base model's rows, bit for bit, under its id in the new tokenizer.
            var oldIds = Enumerable.Range(0, pair.Old.VocabSize).Select(i => (long)i).ToArray();
            var newIds = oldIds.Select(i => (long)NewIdOf(pair.Old.IdToPiece((int)i))).ToArray();
            using var oldIndex = tensor(oldIds);
            using var newIndex = tensor(newIds);
            foreach (var (name, rows) in new[] { (Embedding, stepZeroEmbedding), (LmHead, stepZeroLmHead) })
                Assert.True(Rows.BitEqual(Weight(baseModel, name).index_select(0, oldIndex), rows.index_select(0, newIndex)),
                    $"{name}: shared pieces' rows at step 0 are not the base model's");

            var outcome = trainer.Run();
            Assert.True(outcome.Completed);
            Assert.Equal(6, outcome.Step);
            Assert.Empty(outcome.Problems);
            Assert.Equal(Path.Combine(run, "model"), outcome.ModelDirectory);
        }

        var lines = JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), lines.Select(l => (long)l["step"]!));
        Assert.All(lines, l => Assert.True(double.IsFinite((double)l["loss"]!)));
        Assert.All(lines, l => Assert.Null(l["skipped"]));
        Assert.NotNull(lines[^1]["val_loss"]?["ja"]);

        // The final model: the extended vocabulary, with the extended tokenizer beside it (and in the last checkpoint).
        var final = Path.Combine(run, "model");
        Assert.Equal(pair.New.VocabSize, LlamaConfig.Load(Path.Combine(final, "config.json")).VocabSize);
        var extendedTokenizer = File.ReadAllBytes(Path.Combine(extendedDir, "tokenizer.model"));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(baseDir, "tokenizer.model")), extendedTokenizer);
        Assert.Equal(extendedTokenizer, File.ReadAllBytes(Path.Combine(final, "tokenizer.model")));
        Assert.Equal(extendedTokenizer, File.ReadAllBytes(Path.Combine(run, "checkpoints", "step-6", "model", "tokenizer.model")));
        Assert.Equal(pair.New.VocabSize, TokenizerDirectory.Load(final).VocabSize);
        using var trained = HfModelDirectory.Load(final);
        Assert.Equal(pair.New.VocabSize, trained.Config.VocabSize);
        Assert.Equal(new long[] { pair.New.VocabSize, trained.Config.HiddenSize }, Weight(trained, Embedding).shape);
        // …and trained: the most frequent new piece's embedding row moved away from its mean-of-subwords start.
        Assert.False(Rows.BitEqual(stepZeroEmbedding[mostFrequentNewId], Weight(trained, Embedding)[mostFrequentNewId]),
            $"row {mostFrequentNewId} ('{pair.New.IdToPiece(mostFrequentNewId)}') did not change in training");
        stepZeroEmbedding.Dispose();
        stepZeroLmHead.Dispose();
    }

    public static TheoryData<string> DroppingTokenizers => new() { "smaller", "drops-one" };

    [Theory]
    [MemberData(nameof(DroppingTokenizers))]
    public void TokenizerThatDropsBasePiecesIsRefusedBeforeTraining(string kind)
    {
        var (baseDir, _) = BaseModelAndExtendedTokenizer();
        var (data, _) = JapaneseDataset(pair.New);
        // "smaller": the base tokenizer without its last 50 pieces. "drops-one": the extension minus the last base piece.
        SpmTokenizer tokenizer;
        int dropped;
        string firstDropped;
        if (kind == "smaller")
        {
            var copy = SpmModelIO.Parse(SpmModelIO.Serialize(pair.Old.Model));
            copy.Pieces.RemoveRange(copy.Pieces.Count - 50, 50);
            copy.TrainerSpec.VocabSize = copy.Pieces.Count;
            tokenizer = new SpmTokenizer(copy);
            dropped = 50;
            firstDropped = pair.Old.IdToPiece(pair.Old.VocabSize - 50);
            Assert.True(tokenizer.VocabSize < pair.Old.VocabSize);
        }
        else
        {
            tokenizer = pair.NewWith(pieces => pieces.RemoveAt(pair.Old.VocabSize - 1));
            dropped = 1;
            firstDropped = pair.Old.IdToPiece(pair.Old.VocabSize - 1);
            Assert.True(tokenizer.VocabSize > pair.Old.VocabSize);
        }
        var tokenizerDir = _temp.File("tokenizer-" + kind);
        TokenizerDirectory.Save(tokenizer.Model, tokenizerDir);
        var run = _temp.File("run-" + kind);
        var config = TinyRuns.Config(data, "model.preset=", "model.vocab_size=", $"model.from={baseDir}", $"model.tokenizer={tokenizerDir}",
            "train.max_steps=6", "schedule.warmup_steps=2");

        var error = Assert.Throws<TrainConfigException>(() => TinyRuns.Open(config, run).Dispose());
        Assert.Contains("model.tokenizer", error.Message);
        Assert.Contains($"lacks {dropped:N0} of the old tokenizer's {pair.Old.VocabSize:N0} pieces", error.Message);
        Assert.Contains($"(e.g. '{firstDropped}'", error.Message); // names the dropped pieces
        Assert.Contains("must keep every old piece", error.Message);
        // Refused in the preflight: no step ran, nothing was written.
        Assert.False(File.Exists(Path.Combine(run, "metrics.jsonl")));
        var checkpoints = Path.Combine(run, "checkpoints");
        Assert.False(Directory.Exists(checkpoints) && Directory.EnumerateFileSystemEntries(checkpoints).Any());
        Assert.False(Directory.Exists(Path.Combine(run, "model")));
    }

    int NewIdOf(string piece)
    {
        var id = pair.New.PieceToId(piece);
        Assert.Equal(piece, pair.New.IdToPiece(id)); // PieceToId answers unk for a missing piece
        return id;
    }

    /// <summary>A base model (untied, default init) saved with the base tokenizer; the extended tokenizer with its id map.</summary>
    [Fact]
    public void DataTokenizedWithAnotherTokenizerThanTheModelsIsRefused()
    {
        var (baseDir, extendedDir) = BaseModelAndExtendedTokenizer();
        var (data, _) = JapaneseDataset(pair.New);
        // Stamp the manifest as `data tokenize --tokenizer BASE` would have: the base tokenizer's hash.
        var directory = Path.GetDirectoryName(data)!;
        var entry = DatasetManifest.Load(directory).Find(Path.GetFileName(data))!;
        DatasetManifest.Upsert(directory, entry with { TokenizerHash = TokenizerFingerprint.Of(Path.Combine(baseDir, "tokenizer.model")) });
        var config = TinyRuns.Config(data, "model.preset=", "model.vocab_size=", $"model.from={baseDir}", $"model.tokenizer={extendedDir}",
            "train.max_steps=6", "schedule.warmup_steps=2");
        var error = Assert.Throws<TrainConfigException>(() => TinyRuns.Open(config, _temp.File("run")).Dispose());
        Assert.Contains("was tokenized with another tokenizer", error.Message);
        Assert.Contains("retokenize", error.Message);
    }

    (string BaseDir, string ExtendedDir) BaseModelAndExtendedTokenizer()
    {
        var baseTokenizerDir = _temp.File("base-tokenizer");
        TokenizerDirectory.Save(pair.Old.Model, baseTokenizerDir);
        var baseDir = _temp.File("base");
        using (var model = new LlamaForCausalLM(TinyModels.Config(pair.Old.VocabSize, tie: false)))
        {
            model.InitializeWeights(7);
            HfModelDirectory.Save(model, baseDir, baseTokenizerDir);
        }
        var extendedDir = _temp.File("extended-tokenizer");
        TokenizerDirectory.Save(pair.New.Model, extendedDir);
        VocabularyTools.WriteIdMap(pair.IdMap, Path.Combine(extendedDir, VocabularyIdMap.FileName), pair.Old.VocabSize);
        return (baseDir, extendedDir);
    }

    /// <summary>Japanese corpus lines, 8 lines a document, tokenized with <paramref name="tokenizer"/>; counts of the ids it added.</summary>
    (string Prefix, Dictionary<int, int> NewIdCounts) JapaneseDataset(SpmTokenizer tokenizer)
    {
        var prefix = Path.Combine(_temp.File("data"), "ja");
        var counts = new Dictionary<int, int>();
        using var writer = new IndexedDatasetWriter(prefix,
            new IndexedDatasetWriterOptions { VocabularySize = tokenizer.VocabSize, EosId = tokenizer.EosId, Domain = "ja" });
        foreach (var document in CorpusText.Lines("ja", 40_000).Chunk(8))
        {
            var ids = tokenizer.Encode(string.Join("\n", document));
            foreach (var id in ids.Where(id => id >= pair.Old.VocabSize)) counts[id] = counts.GetValueOrDefault(id) + 1;
            writer.Add(ids);
        }
        writer.Complete();
        return (prefix, counts);
    }
}
