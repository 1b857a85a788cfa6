using Tsumugi.Datasets.Preference;
using Tsumugi.Datasets.Tests.Sft;
using static Tsumugi.Datasets.Tests.Preference.PreferenceTestData;

namespace Tsumugi.Datasets.Tests.Preference;

public class PreferenceSplitTests
{
    // 100 prompts, each with three pairs (different answers), in a JSONL file.
    private static string WritePairs(TempDirectory dir, string name, bool reversed = false)
    {
        var lines = Enumerable.Range(0, 100).SelectMany(p => Enumerable.Range(0, 3).Select(k =>
            $$"""{"prompt": "{{p}}の二倍は？", "chosen": "{{2 * p}}です。", "rejected": "{{2 * p + k + 1}}です。"}""")).ToList();
        if (reversed) lines.Reverse();
        return SftFiles.Lines(dir.File(name), [.. lines]);
    }

    [Fact]
    public void Read_ValidationFraction_PairsOfOnePromptStayTogetherWhateverTheOrder()
    {
        using var dir = new TempDirectory();
        var config = Config(WritePairs(dir, "a.jsonl")) with { ValidationFraction = 0.2, Seed = 11 };

        var data = PreferenceReader.Read(config);
        var reversed = PreferenceReader.Read(config with { Paths = [WritePairs(dir, "b.jsonl", reversed: true)] });

        var heldOut = data.Validation.Select(p => p.Prompt[0].Content).ToHashSet();
        Assert.DoesNotContain(data.Train, p => heldOut.Contains(p.Prompt[0].Content));
        Assert.Equal(3 * heldOut.Count, data.Validation.Count);
        Assert.InRange(heldOut.Count, 8, 32); // 20 % of 100 prompts ± 3 standard deviations
        Assert.Equal(heldOut.Order(), reversed.Validation.Select(p => p.Prompt[0].Content).Distinct().Order());
        Assert.Equal((data.Train.Count, data.Validation.Count), (data.Report.TrainCount, data.Report.ValidationCount));
    }

    [Fact]
    public void Read_OtherSeed_OtherPromptsHeldOut()
    {
        using var dir = new TempDirectory();
        var config = Config(WritePairs(dir, "a.jsonl")) with { ValidationFraction = 0.2 };

        var a = PreferenceReader.Read(config with { Seed = 1 }).Validation.Select(p => p.Prompt[0].Content).Distinct();
        var b = PreferenceReader.Read(config with { Seed = 2 }).Validation.Select(p => p.Prompt[0].Content).Distinct();

        Assert.NotEqual(a.Order(), b.Order());
    }

    [Fact]
    public void Read_NoFraction_NothingHeldOut()
    {
        using var dir = new TempDirectory();

        var data = PreferenceReader.Read(Config(WritePairs(dir, "a.jsonl")));

        Assert.Equal(300, data.Train.Count);
        Assert.Empty(data.Validation);
    }

    [Fact]
    public void Read_TinyUnpairedSetWithFraction_HoldsOutOneExampleAndTrainsOnTheRest()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("kto.jsonl"), UnpairedText, UnpairedConversation,
            """{"prompt": "2+2は？", "completion": "4です。", "label": true}""");

        var data = PreferenceReader.Read(Config(file) with { ValidationFraction = 0.01 });

        Assert.Single(data.UnpairedValidation);
        Assert.Equal(2, data.UnpairedTrain.Count);
        Assert.Empty(data.Validation);
    }
}
