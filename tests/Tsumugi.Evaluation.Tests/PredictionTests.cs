using Tsumugi.Evaluation.Tasks;

namespace Tsumugi.Evaluation.Tests;

public sealed class PredictionTests
{
    // llm-jp-eval's default pattern (?s)^(.*?)(?=\n\n|\Z): up to the first blank line, then NFKC and strip.
    [Theory]
    [InlineData(" 東京\nです\n\n### 入力:", "東京\nです")]   // single newlines stay: only a blank line ends the answer
    [InlineData("ＡＢＣ１ ", "ABC1")]                      // NFKC, stripped
    [InlineData("\n\n東京", "")]                           // a leading blank line leaves nothing, as in llm-jp-eval
    [InlineData("東京\n", "東京")]                         // Python's \Z is the very end (.NET's \Z would stop before the newline)
    [InlineData("", "")]
    public void DefaultPredictionIsTheTextBeforeTheFirstBlankLine(string generated, string expected) =>
        Assert.Equal(expected, TaskRunner.Prediction(generated));

    [Theory]
    [InlineData(@"<answer>(.*?)</answer>", "考え中…<answer> 42 </answer>", "42")]
    [InlineData(@"(?s)答え[:：](.*?)(?:\n|\Z)", "理由は略。\n答え：１２\n以上", "12")]  // extracted before NFKC, as llm-jp-eval does
    [InlineData(@"(?P<a>\d+)-(\d+)", "x 12-34 y", "1234")]                             // named groups keep Python's left-to-right order
    [InlineData(@"(?P<a>ab)(?P=a)", "ababx", "ab")]                                      // (?P=name) back-reference
    [InlineData(@"<answer>(.*?)</answer>", "no tags", "")]                               // no match: empty prediction
    [InlineData(@"([\]Z]+)\Z", "xx]Z", "]Z")]                                            // \Z inside a class is left alone
    public void AnswerExtractPatternGroupsAreJoined(string pattern, string generated, string expected) =>
        Assert.Equal(expected, TaskRunner.Prediction(generated, AnswerPattern.Compile(pattern)));

    [Fact]
    public void PromptFollowsTheLlmJpEvalTemplate()
    {
        var prompt = PromptTemplate.Build("指示文", [new TaskExample("入力1", "出力1")], "入力2");
        Assert.Equal(PromptTemplate.Preamble + "\n\n### 指示:\n指示文\n\n### 入力:\n入力1\n\n### 応答:\n出力1\n\n### 入力:\n入力2\n\n### 応答:\n", prompt);
    }

    [Fact]
    public void EnglishPromptUsesEnglishHeadings()
    {
        var prompt = PromptTemplate.Build("Answer.", [new TaskExample("q1", "a1")], "q2", "en");
        Assert.Equal(PromptTemplate.PreambleEnglish + "\n\n### Instruction:\nAnswer.\n\n### Input:\nq1\n\n### Response:\na1\n\n### Input:\nq2\n\n### Response:\n", prompt);
    }

    [Fact]
    public void CustomTemplateGetsTheInstructionWithShotsAndTheInput()
    {
        var prompt = PromptTemplate.Build("指示", [new TaskExample("q1", "a1")], "q2", "ja", "<s>{instruction}\n{{質問}}: {input}\n答え:");
        Assert.Equal("<s>指示\n\n### 入力:\nq1\n\n### 応答:\na1\n{質問}: q2\n答え:", prompt);
        Assert.Throws<FormatException>(() => PromptTemplate.Format("{question}", "i", "x"));
    }
}
