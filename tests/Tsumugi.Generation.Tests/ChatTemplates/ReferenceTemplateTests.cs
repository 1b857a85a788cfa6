using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;

namespace Tsumugi.Generation.Tests.ChatTemplates;

/// <summary>The real templates of §4 render the §5 vectors (Jinja2 3.1.6 and @huggingface/jinja agreed on them) byte for byte.</summary>
public sealed class ReferenceTemplateTests
{
    public static TheoryData<string> Names => ReferenceTemplates.Names();

    static ChatTemplate Parse(ReferenceTemplate r) => ChatTemplate.Parse(r.Template, r.SpecialTokens(), r.Name);

    [Fact]
    public void ReferenceFile_Read_HasEveryTemplateOfSection4()
    {
        Assert.Equal(["llama2", "llama3", "llama3_1", "mistral_v01", "mixtral_v01", "mistral_2024", "mistral_v03_tools", "qwen15", "qwen2", "qwen25", "gemma", "llmjp3"],
            ReferenceTemplates.All.Select(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Render_ReferenceTemplate_EqualsTheVector(string name)
    {
        var r = ReferenceTemplates.Get(name);
        var messages = r.VectorUsesSystem ? ReferenceTemplates.ConversationB : ReferenceTemplates.ConversationA;
        Assert.Equal(r.Expected, Parse(r).Render(messages, addGenerationPrompt: true));
    }

    [Theory]
    [InlineData("mistral_v01")]
    [InlineData("mixtral_v01")]
    [InlineData("gemma")]
    public void Render_TemplateWithoutSystemRole_RaisesTheTemplatesMessage(string name)
    {
        var r = ReferenceTemplates.Get(name);
        var e = Assert.Throws<ChatTemplateRaisedException>(() => Parse(r).Render(ReferenceTemplates.ConversationB, addGenerationPrompt: true));
        Assert.Equal(r.SystemError, e.TemplateMessage);
        Assert.Contains(name, e.Message); // the origin
        Assert.True(e.Line >= 1 && e.Column > 1, $"position {e.Line}:{e.Column}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void RenderWithSpans_ReferenceTemplate_EachSpanIsOneAssistantTurn(string name)
    {
        var r = ReferenceTemplates.Get(name);
        var template = Parse(r);
        foreach (var conversation in new[] { ReferenceTemplates.ConversationA, ReferenceTemplates.ConversationB })
        {
            if (r.SystemError is not null && conversation.Length == 4) continue; // the template rejects a system message
            var full = conversation.Append(new ChatMessage("assistant", "東京です。")).ToArray();
            var (text, spans) = template.RenderWithSpans(full, addGenerationPrompt: false);
            Assert.Equal(template.Render(full, addGenerationPrompt: false), text);
            var assistants = Enumerable.Range(0, full.Length).Where(i => full[i].Role == "assistant").ToList();
            Assert.Equal(assistants, spans.Select(s => s.MessageIndex));
            int previousEnd = 0;
            foreach (var span in spans)
            {
                var turn = text[span.Start..span.End];
                Assert.True(span.Start >= previousEnd, $"{name}: span {span} overlaps the previous one");
                Assert.StartsWith(full[span.MessageIndex].Content, turn.TrimStart()); // the content, not the header before it
                Assert.DoesNotContain("こんにちは", turn.Replace("はい、こんにちは。", "", StringComparison.Ordinal)); // not the user's turn
                previousEnd = span.End;
            }
        }
    }
}
