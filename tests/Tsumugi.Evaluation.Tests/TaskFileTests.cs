using Tsumugi.Evaluation.Tasks;

namespace Tsumugi.Evaluation.Tests;

public sealed class TaskFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-evaltask-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(string name, string json)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void ShippedExampleTasksLoad()
    {
        var dir = Path.Combine(RepoPaths.Configs, "eval");
        var tasks = Directory.GetFiles(dir, "*.json").Select(EvalTaskFile.Load).ToList();
        Assert.True(tasks.Count >= 4);
        Assert.Contains(tasks, t => t.IsMultipleChoice);
        Assert.Contains(tasks, t => t.Metrics.Contains("char_f1"));
        Assert.Contains(tasks, t => t.Metrics.Contains("exact_match_number"));
    }

    [Fact]
    public void MultipleChoiceOutputIsAChoiceTextOrIndex()
    {
        var task = EvalTaskFile.Load(Write("mc.json", """
            {"instruction": "選んでください。", "metrics": ["acc"],
             "samples": [{"input": "q1", "choices": ["赤", "青"], "output": "青"}, {"input": "q2", "choices": ["1", "0"], "output": 0},
                         {"input": "q3", "choices": ["1", "0"], "output": "0"}]}
            """));
        Assert.Equal("mc", task.Name);
        Assert.Equal([1, 0, 1], task.Samples.Select(s => s.GoldIndex!.Value)); // text wins over index for "0"
        Assert.Equal("青", task.Samples[0].Output);
    }

    [Theory]
    [InlineData("""{"instruction": "i", "output_length": 5, "metrics": ["exact_match"], "samples": [{"input": "a", "output": "b"}, {"input": "c"}]}""", "samples[1].output missing")]
    [InlineData("""{"instruction": "i", "metrics": ["exact_match"], "samples": [{"input": "a", "output": "b"}]}""", "output_length missing")]
    [InlineData("""{"instruction": "i", "output_length": 5, "metrics": ["bleu"], "samples": [{"input": "a", "output": "b"}]}""", "metrics[0] unknown metric 'bleu'; known: exact_match, exact_match_figure, char_f1")]
    [InlineData("""{"instruction": "i", "output_length": 5, "metrics": ["acc", "char_f1"], "samples": []}""", "metrics mixes multiple-choice metrics")]
    [InlineData("""{"instruction": "i", "metrics": ["acc"], "samples": [{"input": "a", "output": "b"}]}""", "samples[0].choices missing")]
    [InlineData("""{"instruction": "i", "metrics": ["acc", "acc"], "samples": []}""", "metrics lists 'acc' twice")]
    [InlineData("""{"instruction": "i", "metrics": ["acc"], "samples": [{"input": "a", "choices": ["x", "y"], "output": 2}]}""", "samples[0].output choice index 2 is outside 0..1")]
    [InlineData("""{"instruction": 3, "output_length": 5, "metrics": ["exact_match"], "samples": [{"input": "a", "output": "b"}]}""", "instruction must be a string")]
    [InlineData("""{"instruction": "i", "output_length": 5, "metrics": ["exact_match"], "few_shots": [{"input": 1, "output": "b"}], "samples": []}""", "few_shots[0].input must be a string")]
    [InlineData("""{"instruction": "i", "output_length": 5, "metrics": ["exact_match"], "samples": [}""", "not valid JSON")]
    public void MalformedFilesNameTheFileAndTheField(string json, string expected)
    {
        var path = Write("bad.json", json);
        var e = Assert.Throws<InvalidDataException>(() => EvalTaskFile.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_UnusedFields_OneWarningNamingEach()
    {
        var path = Write("v2.json", """
            {"instruction": "i", "output_length": 4, "metrics": ["exact_match"], "answer_pattern_id": 3, "source": "x",
             "samples": [{"input": "a", "output": "b", "id": 1}, {"input": "c", "output": "d", "id": 2, "choices": ["x", "y"]}]}
            """);
        var warning = EvalTaskFile.Load(path).Warning;
        Assert.NotNull(warning);
        Assert.StartsWith(path + ": ", warning);
        foreach (var field in new[] { "answer_pattern_id (", "source", "samples[].id", "samples[].choices" })
            Assert.Contains(field, warning);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(warning, "samples\\[\\]\\.id")); // once per file, not per sample
    }

    [Fact]
    public void Load_V2Fields_AreHonoured()
    {
        var task = EvalTaskFile.Load(Write("v2.json", """
            {"instruction": "i", "output_length": 4, "metrics": ["exact_match"], "answer_extract_pattern": "<a>(.*?)</a>",
             "label_list": ["A", "B"], "num_few_shots": 2, "language": "en", "custom_prompt_template": "{instruction}|{input}",
             "few_shots": [{"input": "1", "output": "A"}, {"input": "2", "output": "B"}, {"input": "3", "output": "A"}],
             "samples": [{"input": "a", "output": "B"}]}
            """));
        Assert.Null(task.Warning);
        Assert.Equal("en", task.Language);
        Assert.Equal(["A", "B"], task.LabelList!);
        Assert.Equal(2, new TaskRunOptions().ShotsFor(task));            // num_few_shots when --shots is not given
        Assert.Equal(1, new TaskRunOptions(Shots: 1).ShotsFor(task));    // --shots wins
        Assert.Equal("x", TaskRunner.Prediction("<a>x</a>", task.AnswerExtractPattern));
        Assert.Equal("{instruction}|{input}", task.CustomPromptTemplate);
    }

    [Theory]
    [InlineData(""" "language": "fr" """, "language must be \"ja\" or \"en\"")]
    [InlineData(""" "num_few_shots": -1 """, "num_few_shots must be a non-negative integer")]
    [InlineData(""" "answer_extract_pattern": "(" """, "answer_extract_pattern is not a usable regular expression")]
    [InlineData(""" "custom_prompt_template": "{instruction} {question}" """, "custom_prompt_template unknown field '{question}'")]
    [InlineData(""" "custom_prompt_template": "{instruction}" """, "custom_prompt_template has no {input}")]
    [InlineData(""" "label_list": ["A", 1] """, "label_list[1] must be a string")]
    [InlineData(""" "metrics": ["comet_wmt22"] """, "metrics names only metrics Tsumugi cannot compute (comet_wmt22: not available")]
    [InlineData(""" "metrics": ["pearson", "spearman"] """, "samples[0].output 'b' is not a number; pearson compares numeric answers")]
    public void Load_BadV2Field_NamesFileAndField(string field, string expected)
    {
        var path = Write("bad.json", "{\"instruction\": \"i\", \"output_length\": 4, \"metrics\": [\"exact_match\"], \"samples\": [{\"input\": \"a\", \"output\": \"b\"}]}");
        var json = File.ReadAllText(path);
        File.WriteAllText(path, field.TrimStart().StartsWith("\"metrics\"")
            ? json.Replace("\"metrics\": [\"exact_match\"]", field.Trim()) : json.Replace("{\"instruction\"", "{" + field.Trim() + ", \"instruction\""));
        var e = Assert.Throws<InvalidDataException>(() => EvalTaskFile.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_CometBesideAnotherMetric_WarnsAndIsNotScored()
    {
        var task = EvalTaskFile.Load(Write("alt-e-to-j.json", """
            {"instruction": "訳して", "output_length": 4, "metrics": ["bleu_ja", "comet_wmt22"], "samples": [{"input": "a", "output": "b"}]}
            """));
        Assert.Contains("comet_wmt22 is not available", task.Warning);
        Assert.Equal(["bleu_ja"], task.ScoredMetrics);
    }

    [Fact]
    public void Load_NoFewShots_TakesTheTrainSplitSamples()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "test"));
        Directory.CreateDirectory(Path.Combine(_dir, "train"));
        Write("train/jnli.json", """{"instruction": "i", "output_length": 3, "metrics": ["exact_match"], "samples": [{"input": "t1", "output": "x"}, {"input": "t2", "output": "y"}]}""");
        var task = EvalTaskFile.Load(Write("test/jnli.json", """{"instruction": "i", "output_length": 3, "metrics": ["exact_match"], "samples": [{"input": "s", "output": "z"}]}"""));
        Assert.Equal(["t1", "t2"], task.FewShots.Select(s => s.Input));
        Assert.EndsWith(Path.Combine("train", "jnli.json"), task.FewShotSource);

        var lone = EvalTaskFile.Load(Write("test/jsick.json", """{"instruction": "i", "output_length": 3, "metrics": ["exact_match"], "samples": [{"input": "s", "output": "z"}]}"""));
        Assert.Empty(lone.FewShots); // no train file: zero-shot

        Write("train/jamp.json", """{"samples": [{"input": "t1"}]}""");
        var e = Assert.Throws<InvalidDataException>(() => EvalTaskFile.Load(Write("test/jamp.json", """{"instruction": "i", "output_length": 3, "metrics": ["exact_match"], "samples": [{"input": "s", "output": "z"}]}""")));
        Assert.Contains(Path.Combine("train", "jamp.json") + ": samples[0].output missing", e.Message);
    }

    [Fact]
    public void Load_OnlyFieldsTsumugiUses_NoWarning()
    {
        var generation = Write("gen.json", """
            {"name": "qa", "instruction": "i", "output_length": 4, "metrics": ["exact_match"],
             "few_shots": [{"input": "a", "output": "b"}], "samples": [{"input": "c", "output": "d"}]}
            """);
        var multipleChoice = Write("mc.json", """
            {"instruction": "i", "metrics": ["acc"], "few_shots": [{"input": "a", "output": "b"}],
             "samples": [{"input": "q", "choices": ["x", "y"], "output": 0}]}
            """);
        Assert.Null(EvalTaskFile.Load(generation).Warning);
        Assert.Null(EvalTaskFile.Load(multipleChoice).Warning);
        Assert.All(Directory.GetFiles(Path.Combine(RepoPaths.Configs, "eval"), "*.json"), f => Assert.Null(EvalTaskFile.Load(f).Warning));
    }
}
