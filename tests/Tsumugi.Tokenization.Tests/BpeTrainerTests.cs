using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Tests;

public sealed class BpeTrainerTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    [Fact]
    public void BpeModelLoadsInSpmEncodesIdenticallyAndCompressesLikeSpmTrain()
    {
        var all = TestCorpus.Lines("ja", 200_000);
        int cut = all.Count * 3 / 4;
        var train = all.Take(cut).ToList();
        var heldOut = all.Skip(cut).ToList();
        var ours = BpeTrainer.Train(train, new TrainerOptions { VocabSize = 2000, Threads = 2, UserDefinedSymbols = ["<|im_end|>"] });
        Assert.Equal(2000, ours.Pieces.Count);
        Assert.Equal(SpmModelType.Bpe, ours.TrainerSpec.ModelType);
        var learned = ours.Pieces.Where(p => p.Type == PieceType.Normal).ToList();
        Assert.Equal(0f, learned[0].Score);
        Assert.Equal(-1f, learned[1].Score);
        var path = Path.Combine(fx.Dir, "ours-bpe.model");
        ours.Save(path);
        var spmIds = SpmTools.EncodeIds(path, heldOut);
        var tok = new SpmTokenizer(ours);
        for (int i = 0; i < heldOut.Count; i++) Assert.Equal(spmIds[i], tok.Encode(heldOut[i]));

        var spmModel = SpmTools.Train(fx.Dir, "ja-bpe-2k", train,
            "--model_type=bpe --vocab_size=2000 --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false --user_defined_symbols=<|im_end|>");
        long ourTokens = spmIds.Sum(x => (long)x.Length);
        long spmTokens = SpmTools.EncodeIds(spmModel, heldOut).Sum(x => (long)x.Length);
        Assert.True(ourTokens <= spmTokens * 1.01, $"ours {ourTokens} tokens vs spm_train BPE {spmTokens}");
    }

    [Fact]
    public void VocabTooSmallIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => BpeTrainer.Train(TestCorpus.Lines("ja", 20_000), new TrainerOptions { VocabSize = 300 }));
        Assert.Contains("smaller than the alphabet", e.Message);
    }
}
