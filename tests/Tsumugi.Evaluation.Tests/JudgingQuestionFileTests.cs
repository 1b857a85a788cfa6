using Tsumugi.Evaluation.Judging;

namespace Tsumugi.Evaluation.Tests;

public sealed class JudgingQuestionFileTests : IDisposable
{
    readonly string _path = Path.Combine(Path.GetTempPath(), $"tsumugi-questions-{Guid.NewGuid():N}.jsonl");
    public void Dispose() => File.Delete(_path);

    const string Good = """{"question_id": 81, "category": "writing", "turns": ["一", "二"]}""";

    string ErrorFor(string secondLine)
    {
        File.WriteAllText(_path, Good + "\n" + secondLine + "\n");
        return Assert.Throws<InvalidDataException>(() => MtBenchQuestionReader.Read(_path)).Message;
    }

    [Theory]
    [InlineData("""{"question_id": 2, "category": "math"}""", "field 'turns' missing")]
    [InlineData("""{"question_id": 2, "category": "math", "turns": []}""", "field 'turns' is empty")]
    [InlineData("""{"question_id": 2, "category": "math", "turns": ["一", "  "]}""", "field 'turns[1]' is an empty turn")]
    [InlineData("""{"question_id": 2, "category": "math", "turns": "一"}""", "field 'turns' must be a list of strings")]
    [InlineData("""{"question_id": 2, "category": "math", "turns": ["一", 3]}""", "field 'turns[1]' must be a string")]
    [InlineData("""{"category": "math", "turns": ["一"]}""", "field 'question_id' missing")]
    [InlineData("""{"question_id": 2, "turns": ["一"]}""", "field 'category' missing")]
    [InlineData("""{"question_id": 2, "category": "overall", "turns": ["一"]}""", "field 'category' is 'overall'")]
    [InlineData("""{"question_id": 2, "category": "math", "turns": ["一"], "reference": ["a", "b"]}""", "field 'reference' has 2 answers for 1 turns")]
    [InlineData("""{"question_id": 81, "category": "math", "turns": ["一"]}""", "question_id '81' repeats line 1")]
    [InlineData("""{"question_id": 2, "category": "math", "turns": ["一"]""", "not valid JSON")]
    [InlineData("""["一"]""", "expected a JSON object")]
    public void MalformedLinesNameFileLineAndField(string line, string expected)
    {
        var message = ErrorFor(line);
        Assert.StartsWith($"{_path}:2: ", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void ReadsIdsReferencesAndSkipsBlankLines()
    {
        File.WriteAllText(_path, "\n" + Good + "\n\n"
            + """{"question_id": "m-1", "category": " math ", "turns": ["a", "b"], "reference": "r1"}""" + "\n"
            + """{"question_id": 3, "category": "coding", "turns": ["c"], "reference": ["x"]}""" + "\n"
            + """{"question_id": 4, "category": "reasoning", "turns": ["d"], "reference": null}""");
        var q = MtBenchQuestionReader.Read(_path);
        Assert.Equal(["81", "m-1", "3", "4"], q.Select(x => x.QuestionId));
        Assert.Equal("math", q[1].Category);
        Assert.Equal(("r1", (string?)null), (q[1].ReferenceFor(1), q[1].ReferenceFor(2)));
        Assert.Equal("x", q[2].ReferenceFor(1));
        Assert.Null(q[3].References);
        Assert.Equal(["一", "二"], q[0].Turns);
    }

    [Fact]
    public void AnEmptyOrMissingFileIsAClearError()
    {
        File.WriteAllText(_path, "\n\n");
        Assert.Contains("no questions", Assert.Throws<InvalidDataException>(() => MtBenchQuestionReader.Read(_path)).Message);
        Assert.Throws<FileNotFoundException>(() => MtBenchQuestionReader.Read(_path + ".absent"));
    }

    [Fact]
    public void TheShippedSampleFileReadsAndCoversSeveralCategoriesWithTwoTurns()
    {
        var path = Path.Combine(RepoPaths.Configs, "eval", "mt-bench-sample.jsonl");
        var q = MtBenchQuestionReader.Read(path);
        Assert.True(q.Select(x => x.Category).Distinct().Count() >= 4, "several categories");
        Assert.All(q, x => Assert.Equal(2, x.Turns.Count));
        Assert.Contains(q, x => MtBenchCategories.NeedReference.Contains(x.Category) && x.ReferenceFor(2) is not null);
    }
}
