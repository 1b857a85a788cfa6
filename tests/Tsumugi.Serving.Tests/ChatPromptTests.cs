using Tsumugi.Serving.Server;

namespace Tsumugi.Serving.Tests;

public sealed class ChatPromptTests
{
    static readonly ChatMessage[] Conversation = [new("system", "丁寧に答えて。"), new("user", "こんにちは"), new("assistant", "はい。"), new("user", "東京は?")];

    [Fact]
    public void ChatMlWrapsEveryTurnAndOpensTheAssistants()
    {
        Assert.Equal("<|im_start|>system\n丁寧に答えて。<|im_end|>\n<|im_start|>user\nこんにちは<|im_end|>\n<|im_start|>assistant\nはい。<|im_end|>\n"
            + "<|im_start|>user\n東京は?<|im_end|>\n<|im_start|>assistant\n", ChatPrompt.Render(Conversation, ChatPromptFormat.ChatMl));
    }

    [Fact]
    public void InstructionFormatUsesThePreambleOrTheSystemMessage()
    {
        Assert.Equal(ChatPrompt.InstructionPreamble + "\n\n### 指示:\nこんにちは\n\n### 応答:\n",
            ChatPrompt.Render([new ChatMessage("user", "こんにちは")], ChatPromptFormat.Instruction));
        Assert.Equal("丁寧に答えて。\n\n### 指示:\nこんにちは\n\n### 応答:\nはい。\n\n### 指示:\n東京は?\n\n### 応答:\n",
            ChatPrompt.Render(Conversation, ChatPromptFormat.Instruction));
    }

    [Fact]
    public void TheFormatIsDetectedFromTheChatTemplate()
    {
        var dir = Directory.CreateTempSubdirectory("tsumugi-chat-").FullName;
        try
        {
            Assert.Equal(ChatPromptFormat.Instruction, ChatPrompt.Detect(dir)); // no tokenizer_config.json
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{% endfor %}"}""");
            Assert.Equal(ChatPromptFormat.ChatMl, ChatPrompt.Detect(dir));
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"chat_template": [{"name": "default", "template": "<|im_start|>"}]}""");
            Assert.Equal(ChatPromptFormat.ChatMl, ChatPrompt.Detect(dir));
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"chat_template": "{{ bos_token }}### 指示:"}""");
            Assert.Equal(ChatPromptFormat.Instruction, ChatPrompt.Detect(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
