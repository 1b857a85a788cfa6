using Tsumugi.Evaluation.Tasks;

namespace Tsumugi.Evaluation.Tests;

public sealed class PredictionTests
{
    [Theory]
    [InlineData("\n\n 東京\nです", false, "東京")]          // leading newlines skipped, first line kept
    [InlineData("ＡＢＣ１ ", false, "ABC1")]               // NFKC, trimmed
    [InlineData(" A\nB\n\nC", true, "A\nB")]              // set_f1 answers: up to the first blank line
    [InlineData("", false, "")]
    public void PredictionIsTheFirstLineAfterNfkc(string generated, bool multiLine, string expected) =>
        Assert.Equal(expected, TaskRunner.Prediction(generated, multiLine));

    [Fact]
    public void PromptFollowsTheLlmJpEvalTemplate()
    {
        var prompt = PromptTemplate.Build("指示文", [new TaskExample("入力1", "出力1")], "入力2");
        Assert.Equal(PromptTemplate.Preamble + "\n\n### 指示:\n指示文\n\n### 入力:\n入力1\n\n### 応答:\n出力1\n\n### 入力:\n入力2\n\n### 応答:\n", prompt);
    }
}
