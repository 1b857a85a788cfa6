using System.Text.Json.Nodes;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;

namespace Tsumugi.Generation.Tests.ChatTemplates;

/// <summary>A model directory's own chat_template is what <see cref="PretrainedModel.RenderChat"/> renders.</summary>
public sealed class PretrainedModelChatTemplateTests
{
    [Fact]
    public void Load_DirectoryWithChatTemplate_RendersChatsWithIt()
    {
        using var dir = new TempDirectory();
        TinyModelDirectory.Write(dir, TestTokenizers.Words, seed: 1);
        var gemma = ReferenceTemplates.Get("gemma");
        File.WriteAllText(dir.File("tokenizer_config.json"),
            new JsonObject { ["bos_token"] = "<bos>", ["eos_token"] = "<eos>", ["chat_template"] = gemma.Template }.ToJsonString());

        using (var model = PretrainedModel.Load(dir))
        {
            Assert.Equal(ChatPromptFormat.Instruction, model.ChatFormat); // unrecognised markers: the fallback format for stops
            Assert.Equal(gemma.Expected, model.RenderChat(ReferenceTemplates.ConversationA));
            var e = Assert.Throws<ArgumentException>(() => model.RenderChat(ReferenceTemplates.ConversationB));
            Assert.Equal("System role not supported", e.Message);
        }
        using (var forced = PretrainedModel.Load(dir, new PretrainedModelOptions { ChatFormat = ChatPromptFormat.ChatMl }))
            Assert.Equal(ChatPrompt.Render(BuiltInChatTemplates.For(ChatPromptFormat.ChatMl), ReferenceTemplates.ConversationA), forced.RenderChat(ReferenceTemplates.ConversationA));
    }
}
