using Tsumugi.Evaluation.Datasets;

namespace Tsumugi.Evaluation.Tests.Datasets;

public sealed class LlmJpEvalJsonTests
{
    [Fact]
    public void QuoteEscapesLikePythonJsonDumpsWithEnsureAsciiFalse()
    {
        // json.dumps('x"\\\n\t\x01\x7f\u2028日本', ensure_ascii=False) in CPython 3.11: DEL and U+2028 stay raw,
        // other controls become lowercase \u00xx.
        Assert.Equal("\"x\\\"\\\\\\n\\t\\u0001\u007f\u2028日本\\r\\b\\f\\u001f\"", LlmJpEvalJson.Quote("x\"\\\n\t\u0001\u007f\u2028日本\r\b\f\u001f"));
    }

    [Fact]
    public void RenderIsPythonsIndentFourLayoutWithEmptyFewShotsAndNoFinalNewline()
    {
        var info = new EvalTaskInfo("指示です。", 3, ["exact_match", "char_f1"]);
        var text = LlmJpEvalJson.Render(info, [new EvalSample("前提：A\n仮説：B", "neutral")]);
        // json.dump(asdict(OutputInfo(...)), f, ensure_ascii=False, indent=4), llm-jp-eval jaster/base.py.
        Assert.Equal("""
            {
                "instruction": "指示です。",
                "output_length": 3,
                "metrics": [
                    "exact_match",
                    "char_f1"
                ],
                "few_shots": [],
                "samples": [
                    {
                        "input": "前提：A\n仮説：B",
                        "output": "neutral"
                    }
                ]
            }
            """, text);
    }

    [Fact]
    public void AnEmptySplitIsAnEmptyList() =>
        Assert.EndsWith("\"few_shots\": [],\n    \"samples\": []\n}", LlmJpEvalJson.Render(new EvalTaskInfo("i", 1, ["exact_match"]), []));
}

public sealed class LlmJpEvalJsonWriteTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-evaljson-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WritesTrainDevTestFilesAsUtf8WithoutBom()
    {
        var info = new EvalTaskInfo("指示", 1, ["exact_match"]);
        var splits = new EvalSplits(info, [new("a", "1")], [new("b", "2")], [new("c", "3")]);
        var paths = LlmJpEvalJson.WriteSplits(_dir, "jnli", splits);
        Assert.Equal(["train", "dev", "test"], paths.Select(p => Path.GetFileName(Path.GetDirectoryName(p))));
        Assert.All(paths, p => Assert.Equal("jnli.json", Path.GetFileName(p)));
        var bytes = File.ReadAllBytes(paths[2]);
        Assert.Equal((byte)'{', bytes[0]);
        Assert.Equal(LlmJpEvalJson.Render(info, [new("c", "3")]), System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void AnEmptySplitIsRefusedBeforeWriting()
    {
        var splits = new EvalSplits(new EvalTaskInfo("i", 1, ["exact_match"]), [new("a", "1")], [], [new("c", "3")]);
        var e = Assert.Throws<InvalidDataException>(() => LlmJpEvalJson.WriteSplits(_dir, "jnli", splits));
        Assert.StartsWith("jnli: the dev split has no samples (train 1, dev 0, test 1)", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
