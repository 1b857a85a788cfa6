using System.Text.Json.Nodes;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;

namespace Tsumugi.Generation.Tests.ChatTemplates;

public sealed class ModelChatTemplateTests
{
    static void WriteConfig(string dir, JsonNode? chatTemplate, JsonNode? bos = null)
    {
        var config = new JsonObject { ["bos_token"] = bos ?? "<s>", ["eos_token"] = new JsonObject { ["content"] = "</s>", ["special"] = true } };
        if (chatTemplate is not null) config["chat_template"] = chatTemplate;
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config.ToJsonString());
    }

    [Fact]
    public void Load_TokenizerConfigTemplate_RendersWithItsSpecialTokens()
    {
        using var dir = new TempDirectory();
        WriteConfig(dir, ReferenceTemplates.Get("llmjp3").Template);
        var template = ModelChatTemplate.Load(dir)!;
        Assert.Equal(ReferenceTemplates.Get("llmjp3").Expected, template.Render(ReferenceTemplates.ConversationB, addGenerationPrompt: true));
        Assert.Equal("</s>", template.SpecialTokens["eos_token"]); // from the {"content": …} form
    }

    [Fact]
    public void Load_NamedTemplatesAndJinjaFile_PickTheRightOne()
    {
        using var dir = new TempDirectory();
        WriteConfig(dir, new JsonArray(
            new JsonObject { ["name"] = "default", ["template"] = "D{{ bos_token }}" },
            new JsonObject { ["name"] = "tool_use", ["template"] = "T" }));
        Assert.Equal("D<s>", ModelChatTemplate.Load(dir)!.Render([], false));
        Assert.Equal("T", ModelChatTemplate.Load(dir, "tool_use")!.Render([], false));
        Assert.Contains("tool_use", Assert.Throws<InvalidDataException>(() => ModelChatTemplate.Load(dir, "rag")).Message);
        File.WriteAllText(Path.Combine(dir, "chat_template.jinja"), "J{{ eos_token }}\n");
        Assert.Equal("J</s>", ModelChatTemplate.Load(dir)!.Render([], false)); // the .jinja file wins; its last newline is dropped
    }

    [Fact]
    public void Load_NoTemplate_IsNull()
    {
        using var dir = new TempDirectory();
        Assert.Null(ModelChatTemplate.Load(dir));
        WriteConfig(dir, null);
        Assert.Null(ModelChatTemplate.Load(dir));
    }

    [Fact]
    public void Load_UnsupportedConstruct_NamesFileLineAndConstruct()
    {
        using var dir = new TempDirectory();
        WriteConfig(dir, "{{ bos_token }}\n{% for m in messages %}{{ m.content | wordwrap(20) }}{% endfor %}");
        var e = Assert.Throws<ChatTemplateException>(() => ModelChatTemplate.Load(dir));
        Assert.Contains("tokenizer_config.json chat_template, line 2, column ", e.Message);
        Assert.Contains("wordwrap", e.Message);
    }

    [Theory]
    [InlineData(ChatPromptFormat.ChatMl, "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n")]
    [InlineData(ChatPromptFormat.Llama2, "<s>[INST] q [/INST] a </s>")]
    [InlineData(ChatPromptFormat.Instruction, ChatPrompt.InstructionPreamble + "\n\n### 指示:\nq\n\n### 応答:\na\n\n")]
    public void BuiltInTemplate_WithoutGenerationPrompt_EndsAfterTheLastTurn(ChatPromptFormat format, string expected)
    {
        var template = BuiltInChatTemplates.For(format);
        var (text, spans) = template.RenderWithSpans([new("user", "q"), new("assistant", "a")], addGenerationPrompt: false);
        Assert.Equal(expected, text);
        var span = Assert.Single(spans);
        Assert.StartsWith("a", text[span.Start..span.End].TrimStart()); // Llama-2's turn starts with the space before the answer
        Assert.Equal(text.Length, span.End); // the turn's end marker is trained too
    }
}
