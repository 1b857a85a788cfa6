using Tsumugi.Synthesis.Config;

namespace Tsumugi.Synthesis.Tests.Config;

public sealed class PromptTemplateTests
{
    [Fact]
    public void RendersFieldsAndLiteralBraces()
    {
        var t = new PromptTemplate("p", "{{JSON}} で {instruction} に答えて。入力: {input}");
        Assert.Equal(["instruction", "input"], t.Fields);
        Assert.Equal("{JSON} で 質問 に答えて。入力: なし", t.Render(new Dictionary<string, string> { ["instruction"] = "質問", ["input"] = "なし" }));
    }

    [Theory]
    [InlineData("{instruction", "never closed")]
    [InlineData("a } b", "lone '}'")]
    [InlineData("{two words}", "not a field name")]
    public void MalformedPlaceholdersAreRefused(string source, string message)
    {
        var e = Assert.Throws<FormatException>(() => new PromptTemplate("regenerate.prompt", source));
        Assert.StartsWith("regenerate.prompt: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownFieldIsNamedWithWhatIsAvailable()
    {
        var t = new PromptTemplate("regenerate.prompt", "{instrucion}");
        var e = Assert.Throws<FormatException>(() => t.Check(["examples"], ["instruction", "output"], "seeds.jsonl"));
        Assert.Contains("{instrucion}", e.Message, StringComparison.Ordinal);
        Assert.Contains("(examples)", e.Message, StringComparison.Ordinal);
        Assert.Contains("seeds.jsonl (instruction, output)", e.Message, StringComparison.Ordinal);
        t.Check(["instrucion"], [], "none"); // a recipe field is fine
    }
}
