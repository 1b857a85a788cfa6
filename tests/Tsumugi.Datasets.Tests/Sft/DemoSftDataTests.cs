using System.Text;
using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Tests.Sft;

/// <summary>
/// The demo's SFT data (configs/sft/debian-qa-ja*.jsonl), read through the real reader: the training set that teaches
/// the tiny demo model the chat format and the held-out questions the demo asks base and SFT model side by side.
/// A tiny model learns the format only from short, mostly Japanese answers, and the side-by-side comparison means
/// nothing if a held-out question was trained on, so those properties are checked here rather than trusted.
/// </summary>
public class DemoSftDataTests
{
    private const int MinTrainingRecords = 150;
    private const int HeldOutRecords = 12;
    private const int MaxOutputChars = 160;
    private const double MinJapaneseLetterShare = 0.5;

    private static string TrainingFile => Path.Combine(RepoPaths.Configs, "sft", "debian-qa-ja.jsonl");
    private static string HeldOutFile => Path.Combine(RepoPaths.Configs, "sft", "debian-qa-ja-heldout.jsonl");

    [Fact]
    public void Read_DemoTrainingSet_AtLeast150RecordsAllAccepted()
    {
        var data = ReadAll(TrainingFile);

        Assert.True(data.Train.Count >= MinTrainingRecords, $"{TrainingFile}: {data.Train.Count} examples, expected at least {MinTrainingRecords}");
        Assert.Equal(data.Report.RecordsRead, data.Train.Count);
    }

    [Fact]
    public void Read_DemoHeldOutSet_TwelveRecordsAllAccepted()
    {
        var data = ReadAll(HeldOutFile);

        Assert.Equal(HeldOutRecords, data.Train.Count);
    }

    [Fact]
    public void Read_DemoSets_NoInstructionRepeatedWithinOrAcrossFiles()
    {
        var instructions = ReadAll(TrainingFile).Train.Concat(ReadAll(HeldOutFile).Train)
            .Select(e => (Text: e.Messages.Single(m => m.Role == SftRoles.User).Content, e.Location));

        var repeated = instructions.GroupBy(i => i.Text.Trim(), StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"'{g.Key}' at {string.Join(", ", g.Select(i => i.Location))}").ToList();

        Assert.True(repeated.Count == 0, "instructions repeated (a held-out question must not be trained on):\n" + string.Join("\n", repeated));
    }

    [Theory]
    [InlineData("debian-qa-ja.jsonl")]
    [InlineData("debian-qa-ja-heldout.jsonl")]
    public void Read_DemoSet_EveryRecordMostlyJapaneseWithShortAnswer(string name)
    {
        var data = ReadAll(Path.Combine(RepoPaths.Configs, "sft", name));

        var problems = new List<string>();
        foreach (var example in data.Train)
        {
            var share = JapaneseLetterShare(string.Concat(example.Messages.Select(m => m.Content)));
            if (share < MinJapaneseLetterShare)
                problems.Add($"{example.Location}: {share:P0} of letters are kana/kanji, expected at least {MinJapaneseLetterShare:P0}");
            var output = example.Messages.Single(m => m.Role == SftRoles.Assistant).Content;
            var length = output.EnumerateRunes().Count();
            if (length > MaxOutputChars) problems.Add($"{example.Location}: output has {length} characters, at most {MaxOutputChars}");
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void JapaneseLetterShare_MixedText_CountsKanaAndKanjiAmongLettersOnly()
    {
        Assert.Equal(0.5, JapaneseLetterShare("ab かな 12!"), 3);
        Assert.Equal(1.0, JapaneseLetterShare("漢字とカタカナ、ー。"), 3);
        Assert.Equal(0.0, JapaneseLetterShare("apt update"), 3);
    }

    /// <summary>Reads one file with no validation share, so every accepted record is in Train; fails on any reject.</summary>
    private static SftDataset ReadAll(string file)
    {
        Assert.True(File.Exists(file), $"{file} not found");
        var data = SftReader.Read(new SftDataConfig { Source = "DemoSftDataTests", Paths = [file], Format = SftFormat.Auto, ValidationFraction = 0 });
        Assert.True(data.Report.Rejected == 0, data.Report.Summary());
        Assert.Equal(SftFormat.Alpaca, Assert.Single(data.Report.Formats).Value);
        Assert.Empty(data.Validation);
        return data;
    }

    /// <summary>Share of letters (Unicode letter categories) that are hiragana, katakana or CJK ideographs.</summary>
    internal static double JapaneseLetterShare(string text)
    {
        int letters = 0, japanese = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (!Rune.IsLetter(rune)) continue;
            letters++;
            if (IsJapanese(rune.Value)) japanese++;
        }
        return letters == 0 ? 0 : (double)japanese / letters;
    }

    // Hiragana, katakana (with the long-vowel mark), CJK ideographs and extension A, the iteration mark 々.
    private static bool IsJapanese(int c) =>
        c is >= 0x3040 and <= 0x30FF or >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or 0x3005;
}
