using Tsumugi.Datasets.Preference;
using Tsumugi.Datasets.Sft;
using Tsumugi.Datasets.Tests.Sft;
using static Tsumugi.Datasets.Tests.Preference.PreferenceTestData;

namespace Tsumugi.Datasets.Tests.Preference;

public class PreferenceReaderFormatTests
{
    [Fact]
    public void Read_TextPairs_PlainTextWithOneMessageEach()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("pairs.jsonl"), TextPair);

        var data = PreferenceReader.Read(Config(file));

        Assert.Equal(PreferenceFormat.Paired, data.Format);
        var pair = Assert.Single(data.Train);
        Assert.True(pair.IsPlainText);
        Assert.False(pair.IsImplicitPrompt);
        Assert.Equal([new SftMessage(SftRoles.User, "日本の首都は？")], pair.Prompt);
        Assert.Equal([new SftMessage(SftRoles.Assistant, "東京です。")], pair.Chosen);
        Assert.Equal([new SftMessage(SftRoles.Assistant, "大阪です。")], pair.Rejected);
        Assert.Equal(new SftLocation(file, 1, 0), pair.Location);
        Assert.Empty(data.UnpairedTrain);
    }

    [Fact]
    public void Read_ConversationPairs_AddsTheSystemPromptToThePromptOnly()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("pairs.jsonl.gz"), ConversationPair);

        var pair = Assert.Single(PreferenceReader.Read(Config(file) with { SystemPrompt = "簡潔に答えてください。" }).Train);

        Assert.False(pair.IsPlainText);
        Assert.Equal([new SftMessage(SftRoles.System, "簡潔に答えてください。"), new SftMessage(SftRoles.User, "富士山の高さは？")], pair.Prompt);
        Assert.Equal("3776メートルです。", Assert.Single(pair.Chosen).Content);
        Assert.Equal("1000メートルです。", Assert.Single(pair.Rejected).Content);
    }

    [Fact]
    public void Read_ImplicitPromptConversation_SharedLeadingMessagesAreThePrompt()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("hh.jsonl.zst"), ImplicitConversationPair);

        var pair = Assert.Single(PreferenceReader.Read(Config(file) with { SystemPrompt = "使われない" }).Train);

        Assert.True(pair.IsImplicitPrompt);
        Assert.Equal([new SftMessage(SftRoles.System, "丁寧に"), new SftMessage(SftRoles.User, "こんにちは")], pair.Prompt);
        Assert.Equal([new SftMessage(SftRoles.Assistant, "こんにちは！ご用件は？")], pair.Chosen);
        Assert.Equal([new SftMessage(SftRoles.Assistant, "何？")], pair.Rejected);
    }

    [Fact]
    public void Read_ImplicitPromptFile_RecordWithItsOwnPromptIsExplicit()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("mixed.jsonl"), ImplicitConversationPair, ConversationPair, TextPair.Replace("\"prompt\"", "\"note\""));

        var data = PreferenceReader.Read(Config(file));

        Assert.Equal([true, false], data.Train.Select(p => p.IsImplicitPrompt));
        Assert.Equal("富士山の高さは？", data.Train[1].Prompt[0].Content);
        // Without a prompt, "東京です。" and "大阪です。" share no leading text: counted, not guessed.
        Assert.Equal(PreferenceRejectReason.NoSharedPrompt, Assert.Single(data.Report.Rejects).Reason);
    }

    [Theory]
    [InlineData("The sky is blue.", "The sky is green.", "The sky is", " blue.", " green.")] // TRL's own example: the space goes with the answers
    [InlineData("答えは東京です。", "答えは大阪です。", "答えは", "東京です。", "大阪です。")]
    [InlineData("絵文字😀です", "絵文字😃です", "絵文字", "😀です", "😃です")] // the emoji differ in their low surrogate: not cut in half
    public void Read_ImplicitPromptText_SharedLeadingTextIsThePrompt(string chosen, string rejected, string prompt, string chosenAnswer, string rejectedAnswer)
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("implicit.jsonl"), System.Text.Json.JsonSerializer.Serialize(new { chosen, rejected }));

        var pair = Assert.Single(PreferenceReader.Read(Config(file)).Train);

        Assert.True(pair.IsPlainText);
        Assert.True(pair.IsImplicitPrompt);
        Assert.Equal(prompt, Assert.Single(pair.Prompt).Content);
        Assert.Equal(chosenAnswer, Assert.Single(pair.Chosen).Content);
        Assert.Equal(rejectedAnswer, Assert.Single(pair.Rejected).Content);
    }

    [Fact]
    public void Read_UnpairedTextAndConversations_KeepsLabels()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("kto.jsonl"), UnpairedText, UnpairedConversation);

        var data = PreferenceReader.Read(Config(file));

        Assert.Equal(PreferenceFormat.Unpaired, data.Format);
        Assert.Empty(data.Train);
        Assert.Equal(2, data.UnpairedTrain.Count);
        var (text, chat) = (data.UnpairedTrain[0], data.UnpairedTrain[1]);
        Assert.True(text.Label);
        Assert.True(text.IsPlainText);
        Assert.Equal("2です。", Assert.Single(text.Completion).Content);
        Assert.False(chat.Label);
        Assert.False(chat.IsPlainText);
        Assert.Equal([new SftMessage(SftRoles.User, "1+1は？")], chat.Prompt);
        Assert.Equal(2, chat.Location.Line);
    }

    [Fact]
    public void Unpair_ChosenDesirableRejectedNot_SamePromptAndLocation()
    {
        using var dir = new TempDirectory();
        var pair = Assert.Single(PreferenceReader.Read(Config(SftFiles.Lines(dir.File("p.jsonl"), ConversationPair))).Train);

        var unpaired = pair.Unpair().ToList();

        Assert.Equal([true, false], unpaired.Select(u => u.Label));
        Assert.Equal([pair.Chosen, pair.Rejected], unpaired.Select(u => u.Completion));
        Assert.All(unpaired, u => Assert.Same(pair.Prompt, u.Prompt));
        Assert.All(unpaired, u => Assert.Equal(pair.Location, u.Location));
        Assert.All(unpaired, u => Assert.False(u.IsPlainText));
    }

    [Fact]
    public void Read_ParquetAndJsonArrayInAFolder_ReadsBothAndSkipsOtherFiles()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("data"));
        var parquet = TextPairsParquet(dir.File("data/train.parquet"), ("猫は？", "動物です。", "植物です。"), ("犬は？", "動物です。", "鉱物です。"));
        SftFiles.Write(dir.File("data/more.json"), $"[{TextPair}]");
        SftFiles.Write(dir.File("data/README.md"), "# 説明");

        var data = PreferenceReader.Read(Config(dir.File("data")));

        Assert.Equal(3, data.Train.Count);
        Assert.Equal(2, data.Report.Files.Count);
        Assert.Contains(data.Train, p => p.Location == new SftLocation(parquet, 0, 1) && p.Rejected[0].Content == "鉱物です。");
    }

    [Fact]
    public void Read_RenamedColumnsAndShareGptMessages_UsesTheMapping()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("renamed.jsonl"),
            """{"question": [{"from": "human", "value": "好きな色は？"}], "good": [{"from": "gpt", "value": "青です。"}], "bad": [{"from": "gpt", "value": ""}]}""",
            """{"question": [{"from": "human", "value": "好きな花は？"}], "good": [{"from": "gpt", "value": "桜です。"}], "bad": [{"from": "gpt", "value": "知らない。"}]}""");
        var columns = new PreferenceColumns { Prompt = "question", Chosen = "good", Rejected = "bad" };

        var data = PreferenceReader.Read(Config(file) with { Columns = columns });

        Assert.Equal("桜です。", Assert.Single(data.Train).Chosen[0].Content);
        Assert.Equal(1, data.Report.RejectedByReason[SftRejectReason.EmptyTurn]);
    }

    [Fact]
    public void Read_FilesOfPairedAndUnpairedShape_ErrorNamesBothFiles()
    {
        using var dir = new TempDirectory();
        var pairs = SftFiles.Lines(dir.File("a-pairs.jsonl"), TextPair);
        var kto = SftFiles.Lines(dir.File("b-kto.jsonl"), UnpairedText);

        var e = Assert.Throws<PreferenceDataException>(() => PreferenceReader.Read(Config(pairs, kto)));

        Assert.StartsWith($"{kto}:1: holds unpaired (prompt, completion, label) records, but {pairs} holds paired (chosen, rejected) ones", e.Message);
    }

    [Theory]
    [InlineData(PreferenceFormat.Auto, """{"question": "?", "answer": "!"}""", "cannot tell the preference format from the fields (question, answer)")]
    [InlineData(PreferenceFormat.Paired, UnpairedText, "no column 'chosen' (columns: prompt, completion, label); set columns.chosen")]
    [InlineData(PreferenceFormat.Auto, """{"prompt": "?", "completion": "!"}""", "no column 'label' (columns: prompt, completion); set columns.label (format detected as unpaired; set format: if that is wrong)")]
    public void Read_FirstRecordLacksTheShape_ConfigErrorWithFileAndLine(PreferenceFormat format, string line, string expected)
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("x.jsonl"), "not json", line);

        var e = Assert.Throws<PreferenceDataException>(() => PreferenceReader.Read(Config(file) with { Format = format }));

        Assert.StartsWith($"{file}:2: {expected}", e.Message);
    }

    [Fact]
    public void Read_NoPreferenceFiles_ErrorSaysWhatIsExpected()
    {
        using var dir = new TempDirectory();
        SftFiles.Write(dir.File("notes.txt"), "メモ");

        var e = Assert.Throws<PreferenceDataException>(() => PreferenceReader.Read(Config(dir.File("notes.txt"))));

        Assert.Equal($"data.paths: {dir.File("notes.txt")} is not a preference file type (expected .jsonl, .json or .parquet, optionally .gz or .zst)", e.Message);
    }

    [Fact]
    public void Read_DamagedGzip_PreferenceErrorNamingTheFile()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("pairs.jsonl.gz"), Enumerable.Repeat(TextPair, 200).ToArray());
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<PreferenceDataException>(() => PreferenceReader.Read(Config(file)));

        Assert.Contains(file, e.Message);
    }
}
