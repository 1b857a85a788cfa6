using Tsumugi.Evaluation.English;

namespace Tsumugi.Evaluation.Tests.English;

/// <summary>A raw file in the wrong layout fails with the task, file, line and missing field named.</summary>
public sealed class EnglishLayoutErrorTests : IDisposable
{
    readonly RawSamples _raw = new();
    public void Dispose() => _raw.Dispose();

    static readonly object GoodHellaSwag = RawSamples.HellaSwag("A", "b.", "c", ["d", "e"], 0);

    public static TheoryData<string, object, string> WrongRecords => new()
    {
        { "hellaswag", new { activity_label = "A", ctx_a = "b.", endings = new[] { "d" }, label = 0 }, "missing field 'ctx_b'" },
        { "hellaswag", new { activity_label = "A", ctx_a = "b.", ctx_b = "c", endings = new[] { "d" } }, "missing field 'label'" },
        { "hellaswag", new { activity_label = "A", ctx_a = "b.", ctx_b = "c", endings = new[] { "d" }, label = 3 }, "label 3 is not an index" },
        { "arc_easy", new { question = new { stem = "Q", choices = new[] { new { text = "x", label = "A" } } } }, "missing field 'answerKey'" },
        { "arc_challenge", new { question = "Q", choices = new { text = new[] { "x" } }, answerKey = "A" }, "missing field 'label'" },
        { "arc_easy", RawSamples.ArcV1("Q", ["x", "y"], "E"), "answerKey 'E' is not one of the choice labels" },
        { "gsm8k", new { question = "Q" }, "missing field 'answer'" },
        { "triviaqa", new { question = "Q", answer = new { value = "x" } }, "missing field 'aliases'" },
        { "triviaqa", new { question = 3, answer = new { aliases = new[] { "x" } } }, "field 'question' must be a string" },
    };

    [Theory]
    [MemberData(nameof(WrongRecords))]
    public void JsonlRecordWithoutAFieldNamesTaskFileLineAndField(string task, object wrong, string message)
    {
        var good = task switch
        {
            "hellaswag" => GoodHellaSwag,
            "gsm8k" => RawSamples.Gsm8k("Q", "#### 1"),
            "triviaqa" => RawSamples.TriviaQa("Q", "x"),
            _ => RawSamples.ArcV1("Q", ["x", "y"], "A"),
        };
        var file = _raw.Jsonl($"{task}.jsonl", good, wrong);
        var e = Assert.Throws<InvalidDataException>(() => EnglishPrompts.Build(EnglishTasks.Get(task), file, null, new EnglishRunOptions(Shots: 0)));
        Assert.StartsWith($"{task}: {file}: line 2: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void NotJsonLinesNamesTheLine()
    {
        var file = _raw.Text("gsm8k.jsonl", "{\"question\": \"Q\", \"answer\": \"#### 1\"}\n[1, 2]\n");
        var e = Assert.Throws<InvalidDataException>(() => EnglishPrompts.Build(EnglishTasks.Gsm8k, file, null, new EnglishRunOptions(Shots: 0)));
        Assert.Equal($"gsm8k: {file}: line 2: expected a JSON object, got Array.", e.Message);
    }

    [Fact]
    public void MmluRowWithTooFewFieldsOrABadAnswerNamesFileAndLine()
    {
        var file = _raw.Text("mmlu/astronomy_test.csv", "\"Q1,\nstill Q1\",a,b,c,d,A\nQ2,a,b,c,D\n");
        var e = Assert.Throws<InvalidDataException>(() => EnglishPrompts.Build(EnglishTasks.Mmlu, _raw.Path("mmlu"), null, new EnglishRunOptions()));
        Assert.StartsWith($"mmlu: {file}: line 3: 5 fields, expected 6", e.Message); // the quoted newline makes Q2 start on line 3
        _raw.Text("mmlu/astronomy_test.csv", "Q1,a,b,c,d,E\n");
        e = Assert.Throws<InvalidDataException>(() => EnglishPrompts.Build(EnglishTasks.Mmlu, _raw.Path("mmlu"), null, new EnglishRunOptions()));
        Assert.Contains("line 1: answer 'E' must be A, B, C or D", e.Message);
    }

    [Fact]
    public void MmluFewShotsWithoutDevFilesSayWhereToFindThem()
    {
        _raw.Text("mmlu/test/astronomy_test.csv", "Q1,a,b,c,d,A\n");
        var e = Assert.Throws<FileNotFoundException>(() => EnglishPrompts.Build(EnglishTasks.Mmlu, _raw.Path("mmlu/test"), null, new EnglishRunOptions(Shots: 2)));
        Assert.Contains("_dev.csv", e.Message);
    }

    [Fact]
    public void MoreShotsThanTheFewShotFileHoldsIsAnError()
    {
        var test = _raw.Jsonl("gsm/test.jsonl", RawSamples.Gsm8k("Q", "#### 1"));
        var train = _raw.Jsonl("gsm/train.jsonl", RawSamples.Gsm8k("T", "#### 2"));
        var e = Assert.Throws<ArgumentException>(() => EnglishPrompts.Build(EnglishTasks.Gsm8k, test, train, new EnglishRunOptions(Shots: 2)));
        Assert.Contains("has 1 documents", e.Message);
    }
}
