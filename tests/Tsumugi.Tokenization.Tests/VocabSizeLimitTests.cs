using Tsumugi.Tokenization.Spm;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Tests;

/// <summary>spm_train's hard_vocab_limit: asking for more pieces than the text supports fails, naming the maximum.</summary>
public sealed class VocabSizeLimitTests
{
    static SpmModel Train(SpmModelType type, TrainerOptions o)
    {
        var lines = TestCorpus.Lines("en", 6_000);
        return type == SpmModelType.Bpe ? BpeTrainer.Train(lines, o) : UnigramTrainer.Train(lines, o);
    }

    [Theory]
    [InlineData(SpmModelType.Unigram)]
    [InlineData(SpmModelType.Bpe)]
    public void Train_VocabSizeAboveWhatTextSupports_FailsNamingMaximum(SpmModelType type)
    {
        var e = Assert.Throws<VocabSizeTooHighException>(() => Train(type, new TrainerOptions { VocabSize = 8000, Threads = 2 }));
        Assert.True(e.Maximum is > 259 and < 8000, $"maximum {e.Maximum}");
        Assert.Contains($"<= {e.Maximum}", e.Message);
        Assert.Contains("--allow-smaller-vocab", e.Message);

        // The maximum is exact: asking for it succeeds with that many pieces.
        Assert.Equal(e.Maximum, Train(type, new TrainerOptions { VocabSize = e.Maximum, Threads = 2 }).Pieces.Count);
    }

    [Theory]
    [InlineData(SpmModelType.Unigram)]
    [InlineData(SpmModelType.Bpe)]
    public void Train_AllowSmallerVocab_WritesFewerPiecesWithWarning(SpmModelType type)
    {
        var log = new List<string>();
        var model = Train(type, new TrainerOptions { VocabSize = 8000, Threads = 2, HardVocabLimit = false, Log = log.Add });
        Assert.InRange(model.Pieces.Count, 260, 7999);
        Assert.False(model.TrainerSpec.HardVocabLimit);
        Assert.Contains(log, l => l.Contains("WARNING", StringComparison.Ordinal) && l.Contains($"{model.Pieces.Count:N0} pieces"));
    }
}
