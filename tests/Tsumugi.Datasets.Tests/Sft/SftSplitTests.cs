using Tsumugi.Datasets.Sft;
using static Tsumugi.Datasets.Tests.Sft.SftTestData;

namespace Tsumugi.Datasets.Tests.Sft;

public class SftSplitTests
{
    private static List<SftExample> Examples(int n) =>
        Enumerable.Range(0, n).Select(i => Example(("user", $"質問{i}は何ですか"), ("assistant", $"答えは{i * 7}です"))).ToList();

    [Fact]
    public void Split_SameSeed_SameSidesWhateverTheOrder()
    {
        var examples = Examples(2000);
        var (_, validation) = SftSplit.Split(examples, 0.1, seed: 7);
        var reversed = Enumerable.Reverse(examples).ToList();
        var (_, validationReversed) = SftSplit.Split(reversed, 0.1, seed: 7);

        Assert.Equal(validation.Select(e => e.Messages[0].Content).Order(), validationReversed.Select(e => e.Messages[0].Content).Order());
        Assert.InRange(validation.Count, 160, 240); // 10 % of 2000 ± 4 standard deviations
    }

    [Fact]
    public void Split_OtherSeed_OtherSelection()
    {
        var examples = Examples(500);

        var a = SftSplit.Split(examples, 0.2, seed: 1).Validation;
        var b = SftSplit.Split(examples, 0.2, seed: 2).Validation;

        Assert.NotEqual(a.Select(e => e.Messages[0].Content), b.Select(e => e.Messages[0].Content));
    }

    [Fact]
    public void Split_Duplicates_LandOnTheSameSide()
    {
        var examples = Examples(300);
        examples.AddRange(Examples(300));

        var (train, validation) = SftSplit.Split(examples, 0.3, seed: 3);

        var trained = train.Select(e => e.Messages[0].Content).ToHashSet();
        Assert.DoesNotContain(validation, e => trained.Contains(e.Messages[0].Content));
        Assert.Equal(600, train.Count + validation.Count);
    }

    [Fact]
    public void Split_TinySetWithFraction_HoldsOutOneExample()
    {
        var (train, validation) = SftSplit.Split(Examples(3), 0.01, seed: 1234);

        Assert.Single(validation);
        Assert.Equal(2, train.Count);
    }

    [Fact]
    public void Split_TinySetAllHashedBelowTheFraction_StillTrainsOnOne()
    {
        var examples = Examples(2);
        // A seed under which both examples hash below one half: without the guard, everything would be held out.
        var seed = Enumerable.Range(0, 1000).First(s => examples.All(e => SftSplit.Unit(e, s) < 0.5));

        var (train, validation) = SftSplit.Split(examples, 0.5, seed);

        var kept = Assert.Single(train);
        Assert.Single(validation);
        Assert.True(SftSplit.Unit(kept, seed) > SftSplit.Unit(validation[0], seed));
    }

    [Fact]
    public void Read_ValidationFraction_SplitsAndReports()
    {
        using var dir = new TempDirectory();
        var lines = Enumerable.Range(0, 200).Select(i => $$"""{"instruction": "{{i}}の二乗は？", "output": "{{i * i}}です。"}""").ToArray();
        var file = SftFiles.Lines(dir.File("sq.jsonl"), lines);

        var data = SftReader.Read(Config(file) with { ValidationFraction = 0.25 });

        Assert.Equal(200, data.Train.Count + data.Validation.Count);
        Assert.Equal(data.Validation.Count, data.Report.ValidationCount);
        Assert.InRange(data.Validation.Count, 26, 74);
    }
}
