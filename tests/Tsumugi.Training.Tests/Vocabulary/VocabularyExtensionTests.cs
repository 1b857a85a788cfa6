using System.Text;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Spm;
using Tsumugi.Training.Continued;
using static TorchSharp.torch;
using static Tsumugi.Training.Tests.Vocabulary.TinyModels;

namespace Tsumugi.Training.Tests.Vocabulary;

[Collection(VocabularyCollection.Name)]
public sealed class VocabularyExtensionTests(TokenizerPair pair)
{
    int OldSize => pair.Old.VocabSize;
    int NewSize => pair.New.VocabSize;

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void SharedRowsAreCopiedAndNewRowsAreTheMeanOfTheOldSplitInEmbeddingAndLmHead(ScalarType dtype)
    {
        Assert.Equal(OldSize + TokenizerPair.Added, NewSize);
        using var old = Build(OldSize, tie: false, dtype);
        var (grown, report) = VocabularyExtension.Extend(old, pair.Old, pair.New);
        using (grown)
        {
            Assert.Equal(NewSize, grown.Config.VocabSize);
            Assert.Equal((OldSize, TokenizerPair.Added, 0, 0), (report.CopiedRows, report.MeanInitializedRows, report.FallbackRows, report.PaddingRows));
            Assert.Contains(pair.IdMap.Values, ids => ids.Distinct().Count() >= 2); // some means really average several rows
            // bf16: the mean rounded once to bf16 is within half an ulp of the exact mean (at most 2^-8 relative).
            double relative = dtype == ScalarType.Float32 ? 1e-6 : 1.0 / 256;
            foreach (var name in new[] { Embedding, LmHead })
            {
                var before = Weight(old, name);
                var after = Weight(grown, name);
                Assert.Equal(dtype, after.dtype);
                Assert.True(Rows.BitEqual(before, after.narrow(0, 0, OldSize)), $"{name}: old rows changed");
                // The reference split is the id map `tokenizer extend` computed; the code under test computes its own.
                foreach (var (id, oldIds) in pair.IdMap)
                    Rows.Close(Rows.Mean(before, oldIds), after[id], relative, 1e-6, $"{name} row {id} '{pair.New.IdToPiece(id)}'");
            }
            // The LM head's new rows average the LM head's own rows, not the embedding's.
            int first = pair.IdMap.Keys.First();
            Assert.False(Rows.BitEqual(Weight(grown, Embedding)[first], Weight(grown, LmHead)[first]));
        }
    }

    [Fact]
    public void TheOldSplitSpellsTheNewPieceExactlyWithSpacesAsInTheNormalizedText()
    {
        // Independent of the extension code: the old pieces (bytes as bytes) concatenate to the new piece's UTF-8.
        foreach (var (id, oldIds) in pair.IdMap)
        {
            var spelled = oldIds.SelectMany(i => pair.Old.Model.Pieces[i] is { Type: PieceType.Byte } b
                ? [Convert.ToByte(b.Piece[3..5], 16)] : Encoding.UTF8.GetBytes(pair.Old.IdToPiece(i)));
            Assert.Equal(Encoding.UTF8.GetBytes(pair.New.IdToPiece(id)), spelled);
        }
        Assert.Contains(pair.IdMap.Keys, id => pair.New.IdToPiece(id).StartsWith('\u2581'));
        Assert.Contains(pair.IdMap.Keys, id => !pair.New.IdToPiece(id).StartsWith('\u2581'));
    }

    [Fact]
    public void TiedEmbeddingsHaveOneMatrixAndNoLmHead()
    {
        using var old = Build(OldSize, tie: true);
        var (grown, _) = VocabularyExtension.Extend(old, pair.Old, pair.New);
        using (grown)
        {
            Assert.True(grown.Config.TieWordEmbeddings);
            Assert.DoesNotContain(LmHead, grown.state_dict().Keys);
            var before = Weight(old, Embedding);
            var after = Weight(grown, Embedding);
            Assert.True(Rows.BitEqual(before, after.narrow(0, 0, OldSize)));
            var (id, oldIds) = pair.IdMap.Last();
            Rows.Close(Rows.Mean(before, oldIds), after[id], 1e-6, 1e-6, $"row {id}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LogitsOfTextWhoseTokenizationIsUnchangedAreIdenticalOnTheOldVocabulary(bool tie)
    {
        // English prose the Japanese pieces do not touch: the same ids under both tokenizers.
        var text = CorpusText.Lines("en", 20_000).First(l => l.Length > 60 && pair.Old.Encode(l).SequenceEqual(pair.New.Encode(l)));
        var ids = pair.Old.Encode(text);
        using var old = Build(OldSize, tie);
        var (grown, _) = VocabularyExtension.Extend(old, pair.Old, pair.New);
        using (grown)
        using (NewDisposeScope())
        using (no_grad())
        {
            var input = tensor(ids.Take(48).Select(i => (long)i).ToArray(), [1, Math.Min(48, ids.Length)]);
            var before = old.Forward(input).Logits;
            var after = grown.Forward(input).Logits;
            Assert.Equal(NewSize, after.shape[^1]);
            var shared = after.narrow(-1, 0, OldSize);
            Assert.True(before.allclose(shared, rtol: 1e-5, atol: 1e-4), $"max difference {(before - shared).abs().max().item<float>()}");
            Assert.True(before.abs().max().item<float>() > 1); // the comparison is not between near-zero logits
        }
    }

    [Fact]
    public void ReorderedPiecesTakeTheirRowsAndSpecialIdsWithThem()
    {
        // Swap two ordinary pieces and move </s> (id 2) to id 400: rows and eos_token_id follow the pieces.
        var reordered = pair.NewWith(p => { (p[300], p[301]) = (p[301], p[300]); (p[2], p[400]) = (p[400], p[2]); });
        using var old = Build(OldSize, tie: false);
        var (grown, report) = VocabularyExtension.Extend(old, pair.Old, reordered);
        using (grown)
        {
            Assert.Equal(OldSize, report.CopiedRows);
            Assert.Equal([400], grown.Config.EosTokenIds);
            Assert.Equal(1, grown.Config.BosTokenId);
            foreach (var name in new[] { Embedding, LmHead })
            {
                var (before, after) = (Weight(old, name), Weight(grown, name));
                Assert.True(Rows.BitEqual(before[300], after[301]));
                Assert.True(Rows.BitEqual(before[301], after[300]));
                Assert.True(Rows.BitEqual(before[2], after[400]));
                Assert.True(Rows.BitEqual(before[400], after[2]));
                Assert.True(Rows.BitEqual(before[299], after[299]));
            }
        }
    }

    [Fact]
    public void ATokenizerThatDropsOldPiecesIsRefusedUnlessAllowed()
    {
        var dropped = pair.New.IdToPiece(500);
        var smaller = pair.NewWith(p => p.RemoveAt(500));
        using var old = Build(OldSize, tie: false);
        var error = Assert.Throws<ArgumentException>(() => VocabularyExtension.Extend(old, pair.Old, smaller));
        Assert.Contains($"'{dropped}'", error.Message);
        Assert.Contains("--allow-dropped-pieces", error.Message);

        var (grown, report) = VocabularyExtension.Extend(old, pair.Old, smaller, new VocabularyExtensionOptions { AllowDroppedPieces = true });
        using (grown)
        {
            Assert.Equal((1, OldSize - 1, NewSize - 1), (report.DroppedPieces, report.CopiedRows, grown.Config.VocabSize));
            Assert.True(Rows.BitEqual(Weight(old, Embedding)[501], Weight(grown, Embedding)[500]));
        }
    }

    [Fact]
    public void APaddedVocabularyKeepsItsSizeAndPaddingRowsWhileTheNewTokenizerFits()
    {
        int padded = OldSize + 200; // the 120 new pieces fit into the padding
        using var old = Build(padded, tie: false);
        var (grown, report) = VocabularyExtension.Extend(old, pair.Old, pair.New);
        using (grown)
        {
            Assert.Equal(padded, grown.Config.VocabSize);
            Assert.Equal(padded - NewSize, report.PaddingRows);
            var (before, after) = (Weight(old, Embedding), Weight(grown, Embedding));
            Assert.True(Rows.BitEqual(before.narrow(0, NewSize, padded - NewSize), after.narrow(0, NewSize, padded - NewSize)));
            // A new piece landing on a former padding id gets its mean, not the padding row.
            var (id, oldIds) = pair.IdMap.First();
            Rows.Close(Rows.Mean(before, oldIds), after[id], 1e-6, 1e-6, $"row {id}");
        }

        using var slightlyPadded = Build(OldSize + 16, tie: false); // 120 new pieces do not fit: the tokenizer sets the size
        var (grown2, report2) = VocabularyExtension.Extend(slightlyPadded, pair.Old, pair.New);
        using (grown2) Assert.Equal((NewSize, 0), (grown2.Config.VocabSize, report2.PaddingRows));
    }

    [Fact]
    public void PiecesWithoutTextFallBackToTheMeanOfAllOldPieceRowsNotPaddingRows()
    {
        var withControl = pair.NewWith(p => p.Add(new SpmPiece("<|im_start|>", 0, PieceType.Control)));
        int padded = OldSize + 200;
        using var old = Build(padded, tie: false);
        var (grown, report) = VocabularyExtension.Extend(old, pair.Old, withControl);
        using (grown)
        {
            Assert.Equal(1, report.FallbackRows);
            Assert.Equal(["<|im_start|>"], report.FallbackPieces);
            var all = Enumerable.Range(0, OldSize).ToArray();
            foreach (var name in new[] { Embedding, LmHead })
                Rows.Close(Rows.Mean(Weight(old, name), all), Weight(grown, name)[NewSize], 1e-5, 1e-5, $"{name} <|im_start|>");
        }
    }

    [Fact]
    public void AnIdMapDecidesTheSourcesAndAStaleOneIsRefused()
    {
        int first = pair.IdMap.Keys.First();
        var custom = new VocabularyIdMap(OldSize, NewSize, new Dictionary<int, int[]> { [first] = [5, 7, 7] });
        using var old = Build(OldSize, tie: true);
        var (grown, _) = VocabularyExtension.Extend(old, pair.Old, pair.New, new VocabularyExtensionOptions { IdMap = custom });
        using (grown)
        {
            var before = Weight(old, Embedding);
            Rows.Close(Rows.Mean(before, [5, 7, 7]), Weight(grown, Embedding)[first], 1e-6, 1e-6, $"row {first}");
            var (other, otherIds) = pair.IdMap.Last(); // not in the custom map: computed from the tokenizers
            Rows.Close(Rows.Mean(before, otherIds), Weight(grown, Embedding)[other], 1e-6, 1e-6, $"row {other}");
        }
        var stale = new VocabularyIdMap(OldSize - 1, NewSize, pair.IdMap.ToDictionary());
        var error = Assert.Throws<ArgumentException>(() => VocabularyExtension.Extend(old, pair.Old, pair.New, new VocabularyExtensionOptions { IdMap = stale }));
        Assert.Contains(VocabularyIdMap.FileName, error.Message);
    }

    [Fact]
    public void ExtendedConfigIsTheConfigOfTheExtendedModel()
    {
        using var old = Build(OldSize + 200, tie: false);
        var config = VocabularyExtension.ExtendedConfig(old.Config, pair.Old, pair.New);
        var (grown, _) = VocabularyExtension.Extend(old, pair.Old, pair.New);
        using (grown) Assert.Equal(grown.Config.ToJson(), config.ToJson());
        Assert.Equal(OldSize + 200, old.Config.VocabSize); // the input config is not modified
    }

    [Fact]
    public void AnOldTokenizerLargerThanTheModelIsRefused()
    {
        using var old = Build(OldSize - 1, tie: true);
        var error = Assert.Throws<ArgumentException>(() => VocabularyExtension.Extend(old, pair.Old, pair.New));
        Assert.Contains("not this model's tokenizer", error.Message);
    }

    [Fact]
    public void ExtendingLeavesNoTensorBehind()
    {
        using var old = Build(OldSize + 200, tie: false);
        var withControl = pair.NewWith(p => p.Add(new SpmPiece("<|im_end|>", 0, PieceType.Control)));
        void Cycle()
        {
            var (grown, _) = VocabularyExtension.Extend(old, pair.Old, withControl);
            grown.Dispose();
        }
        Cycle(); // warm-up: lazily created wrappers are not leaks
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) Cycle();
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
