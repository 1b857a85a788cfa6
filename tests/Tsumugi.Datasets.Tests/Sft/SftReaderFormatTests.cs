using Tsumugi.Datasets.Sft;
using static Tsumugi.Datasets.Tests.Sft.SftTestData;

namespace Tsumugi.Datasets.Tests.Sft;

public class SftReaderFormatTests
{
    [Fact]
    public void Read_DollyJaJsonl_BuildsUserAndAssistantTurnsWithInputBelowInstruction()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("dolly-ja.jsonl"), DollyLine1, DollyLine2);

        var data = SftReader.Read(Config(file));

        Assert.Equal(SftFormat.Alpaca, data.Report.Formats[file]);
        Assert.Equal(2, data.Train.Count);
        Assert.Equal([new(SftRoles.User, "日本の首都はどこですか？"), new(SftRoles.Assistant, "日本の首都は東京です。")], data.Train[0].Messages);
        Assert.Equal("次の文を要約してください。\n\n猫は一日の大半を寝て過ごす。夜になると活発に動き回る。", data.Train[1].Messages[0].Content);
        Assert.Equal(new SftLocation(file, 2, 1), data.Train[1].Location);
        Assert.Equal(0, data.Train[0].PromptMessageCount);
    }

    [Fact]
    public void Read_ShareGptJsonArray_MapsHumanAndGptRolesAndRecordSystemField()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Write(dir.File("sharegpt.json"), """
            [
              {"system": "関西弁で答えてください。", "conversations": [
                {"from": "human", "value": "おすすめの食べ物は？"},
                {"from": "gpt", "value": "たこ焼きがええで。"},
                {"from": "human", "value": "どこで買える？"},
                {"from": "gpt", "value": "道頓堀に行ってみ。"}]}
            ]
            """);

        var example = Assert.Single(SftReader.Read(Config(file)).Train);

        Assert.Equal([SftRoles.System, SftRoles.User, SftRoles.Assistant, SftRoles.User, SftRoles.Assistant], example.Messages.Select(m => m.Role));
        Assert.Equal("関西弁で答えてください。", example.Messages[0].Content);
        Assert.Equal(new SftLocation(file, 0, 0), example.Location);
    }

    [Fact]
    public void Read_OpenAiJsonlZst_JoinsTextPartsOfContent()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("chat.jsonl.zst"), OpenAiLine);

        var example = Assert.Single(SftReader.Read(Config(file)).Train);

        Assert.Equal(SftFormat.Openai, SftReader.Read(Config(file)).Report.Formats[file]);
        Assert.Equal("富士山の高さは？", example.Messages[1].Content);
        Assert.Equal(3, example.Messages.Count);
    }

    [Fact]
    public void Read_PromptCompletionStrings_MarksPlainTextWithOnePromptMessage()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("pc.jsonl.gz"), """{"prompt": "東京の天気は", "completion": "晴れです。"}""");

        var example = Assert.Single(SftReader.Read(Config(file) with { SystemPrompt = "使われない" }).Train);

        Assert.True(example.IsPlainText);
        Assert.Equal(1, example.PromptMessageCount);
        Assert.Equal(["東京の天気は"], example.Prompt.Select(m => m.Content));
        Assert.Equal(["晴れです。"], example.Completion.Select(m => m.Content));
    }

    [Fact]
    public void Read_PromptCompletionMessagesInObjectWithList_CountsPromptMessagesIncludingDefaultSystem()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Write(dir.File("pc.json"), """
            {"version": 2, "rows": [
              {"prompt": [{"role": "user", "content": "こんにちは"}, {"role": "assistant", "content": "こんにちは！"}, {"role": "user", "content": "元気？"}],
               "completion": [{"role": "assistant", "content": "元気です。"}]}
            ]}
            """);

        var example = Assert.Single(SftReader.Read(Config(file) with { SystemPrompt = "あなたは親切です。" }).Train);

        Assert.False(example.IsPlainText);
        Assert.Equal(4, example.PromptMessageCount);
        Assert.Equal(SftRoles.System, example.Messages[0].Role);
        Assert.Equal(["元気です。"], example.Completion.Select(m => m.Content));
    }

    [Fact]
    public void Read_ParquetWithNestedMessages_ReadsEveryRowWithItsIndex()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.MessagesParquet(dir.File("train.parquet"),
            [("user", "りんごは何色？"), ("assistant", "赤や緑です。")],
            [("user", "空は何色？"), ("assistant", "青です。")]);

        var data = SftReader.Read(Config(file));

        Assert.Equal(SftFormat.Openai, data.Report.Formats[file]);
        Assert.Equal(["赤や緑です。", "青です。"], data.Train.Select(e => e.Messages[1].Content));
        Assert.Equal(new SftLocation(file, 0, 1), data.Train[1].Location);
    }

    [Fact]
    public void Read_ColumnMapping_ReadsRenamedAlpacaFields()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("qa.jsonl"), """{"question": "一年は何日？", "answer": "365日です。"}""");
        var config = Config(file) with { Columns = new SftColumns { Instruction = "question", Output = "answer" } };

        var example = Assert.Single(SftReader.Read(config).Train);

        Assert.Equal("一年は何日？", example.Messages[0].Content);
        Assert.Equal(SftFormat.Alpaca, SftReader.Read(config).Report.Formats[file]);
    }

    [Fact]
    public void Read_MessagesColumnMappedWithRoleAndContentFields_ReadsDialog()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("d.jsonl"), """{"dialog": [{"speaker": "user", "text": "おはよう"}, {"speaker": "assistant", "text": "おはようございます。"}]}""");
        var config = Config(file) with { Columns = new SftColumns { Messages = "dialog", Role = "speaker", Content = "text" } };

        var example = Assert.Single(SftReader.Read(config).Train);

        Assert.Equal("おはようございます。", example.Messages[1].Content);
    }

    [Fact]
    public void Read_MissingColumnInFirstRecord_FailsNamingFileLineColumnsAndKey()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("qa.jsonl"), "", """{"question": "一年は何日？", "answer": "365日です。"}""");

        var e = Assert.Throws<SftDataException>(() => SftReader.Read(Config(file) with { Format = SftFormat.Alpaca }));

        Assert.Equal($"{file}:2: no column 'instruction' (columns: question, answer); set columns.instruction", e.Message);
    }

    [Fact]
    public void Read_UnrecognisedFields_FailsAskingForFormatAndColumns()
    {
        using var dir = new TempDirectory();
        var file = SftFiles.Lines(dir.File("x.jsonl"), """{"q": "一年は何日？", "a": "365日です。"}""");

        var e = Assert.Throws<SftDataException>(() => SftReader.Read(Config(file)));

        Assert.StartsWith($"{file}:1: cannot tell the SFT format from the fields (q, a)", e.Message);
        Assert.Contains("set format:", e.Message);
    }

    [Fact]
    public void Read_FormatOverride_ReadsConversationsAsOpenAiWhenMapped()
    {
        using var dir = new TempDirectory();
        // Both fields present: auto picks messages; the override with a mapping picks the other one.
        var file = SftFiles.Lines(dir.File("both.jsonl"),
            """{"messages": [{"role": "user", "content": "A"}, {"role": "assistant", "content": "B"}], "conversations": [{"from": "human", "value": "質問"}, {"from": "gpt", "value": "回答"}]}""");

        var auto = Assert.Single(SftReader.Read(Config(file)).Train);
        var forced = Assert.Single(SftReader.Read(Config(file) with { Format = SftFormat.Sharegpt }).Train);

        Assert.Equal("B", auto.Messages[1].Content);
        Assert.Equal("回答", forced.Messages[1].Content);
    }

    [Fact]
    public void Read_FolderWithOtherFiles_ReadsOnlySftFilesInPathOrder()
    {
        using var dir = new TempDirectory();
        SftFiles.Lines(dir.File("b.jsonl"), DollyLine2);
        SftFiles.Lines(dir.File("a.jsonl"), DollyLine1);
        File.WriteAllText(dir.File("README.txt"), "説明");

        var data = SftReader.Read(Config(dir.Path));

        Assert.Equal(["日本の首都は東京です。", "猫は昼に寝て夜に活動する。"], data.Train.Select(e => e.Messages[^1].Content));
        Assert.Equal(2, data.Report.Formats.Count);
    }
}
