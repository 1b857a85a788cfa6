using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Generation.Tests;

public sealed class ChatPromptTests
{
    static readonly ChatMessage[] Conversation = [new("system", "丁寧に答えて。"), new("user", "こんにちは"), new("assistant", "はい。"), new("user", "東京は?")];
    static readonly ChatMessage[] NoSystem = Conversation[1..];

    /// <summary>meta-llama/Llama-2-7b-chat-hf's tokenizer_config.json chat_template, verbatim.</summary>
    const string HfLlama2Template =
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
        + "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
        + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
        + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
        + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    /// <summary>A built-in format's prompt: its template (<see cref="BuiltInChatTemplates"/>), as every command renders it.</summary>
    static string Render(IReadOnlyList<ChatMessage> messages, ChatPromptFormat format) => ChatPrompt.Render(BuiltInChatTemplates.For(format), messages);

    [Fact]
    public void ChatMlWrapsEveryTurnAndOpensTheAssistants()
    {
        Assert.Equal("<|im_start|>system\n丁寧に答えて。<|im_end|>\n<|im_start|>user\nこんにちは<|im_end|>\n<|im_start|>assistant\nはい。<|im_end|>\n"
            + "<|im_start|>user\n東京は?<|im_end|>\n<|im_start|>assistant\n", Render(Conversation, ChatPromptFormat.ChatMl));
        Assert.Equal("<|im_start|>user\nこんにちは<|im_end|>\n<|im_start|>assistant\nはい。<|im_end|>\n<|im_start|>user\n東京は?<|im_end|>\n<|im_start|>assistant\n",
            Render(NoSystem, ChatPromptFormat.ChatMl));
    }

    [Fact]
    public void InstructionFormatUsesThePreambleOrTheSystemMessage()
    {
        Assert.Equal(ChatPrompt.InstructionPreamble + "\n\n### 指示:\nこんにちは\n\n### 応答:\n",
            Render([new ChatMessage("user", "こんにちは")], ChatPromptFormat.Instruction));
        Assert.Equal("丁寧に答えて。\n\n### 指示:\nこんにちは\n\n### 応答:\nはい。\n\n### 指示:\n東京は?\n\n### 応答:\n",
            Render(Conversation, ChatPromptFormat.Instruction));
        Assert.Equal(ChatPrompt.InstructionPreamble + "\n\n### 指示:\nこんにちは\n\n### 応答:\nはい。\n\n### 指示:\n東京は?\n\n### 応答:\n",
            Render(NoSystem, ChatPromptFormat.Instruction));
    }

    [Fact]
    public void Llama2RendersWhatTheHfTemplateRenders()
    {
        // Expected strings written out from HfLlama2Template with bos_token <s>, eos_token </s>.
        Assert.Equal("<s>[INST] <<SYS>>\n丁寧に答えて。\n<</SYS>>\n\nこんにちは [/INST] はい。 </s><s>[INST] 東京は? [/INST]",
            Render(Conversation, ChatPromptFormat.Llama2));
        Assert.Equal("<s>[INST] こんにちは [/INST] はい。 </s><s>[INST] 東京は? [/INST]", Render(NoSystem, ChatPromptFormat.Llama2));
        Assert.Equal("<s>[INST] <<SYS>>\nsys\n<</SYS>>\n\nhi [/INST]", Render([new("system", "sys"), new("user", "hi")], ChatPromptFormat.Llama2));
        // content.strip(): surrounding white space goes (of the folded system+user text as a whole, and of each turn).
        Assert.Equal("<s>[INST] <<SYS>>\n sys \n<</SYS>>\n\nhi [/INST] ok </s><s>[INST] next [/INST]",
            Render([new("system", " sys "), new("user", "hi \n"), new("assistant", "\n ok "), new("user", "\u001f next\t")], ChatPromptFormat.Llama2));
    }

    [Theory]
    [InlineData("assistant", "user")]
    [InlineData("user", "user")]
    [InlineData("user", "system")]
    public void Llama2RejectsRolesThatDoNotAlternate(string first, string second)
    {
        var e = Assert.Throws<ArgumentException>(() => Render([new("system", "s"), new(first, "a"), new(second, "b")], ChatPromptFormat.Llama2));
        Assert.Contains(first == "user" ? "messages[2]" : "messages[1]", e.Message);
        Assert.Contains("alternating", e.Message);
    }

    [Fact]
    public void TheFormatIsDetectedFromTheChatTemplate()
    {
        var dir = Directory.CreateTempSubdirectory("tsumugi-chat-").FullName;
        void Config(string json) => File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), json);
        string Template(string template) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["chat_template"] = template });
        try
        {
            Assert.Equal(ChatPromptFormat.Instruction, ChatPrompt.Detect(dir)); // no tokenizer_config.json
            Assert.Null(ChatPrompt.Inspect(dir).Warning);
            Config("""{"chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{% endfor %}"}""");
            Assert.Equal(ChatPromptFormat.ChatMl, ChatPrompt.Detect(dir));
            Config("""{"chat_template": [{"name": "default", "template": "<|im_start|>"}]}""");
            Assert.Equal(ChatPromptFormat.ChatMl, ChatPrompt.Detect(dir));
            Config("""{"chat_template": "{{ bos_token }}### 指示:"}""");
            Assert.Equal(ChatPromptFormat.Instruction, ChatPrompt.Detect(dir));
            Assert.Null(ChatPrompt.Inspect(dir).Warning);
            Config(Template(HfLlama2Template));
            Assert.Equal(ChatPromptFormat.Llama2, ChatPrompt.Detect(dir));
            Config(Template(HfTokenizerConfig.LlamaTemplate)); // what `tokenizer train` writes without ChatML pieces
            Assert.Equal(ChatPromptFormat.Llama2, ChatPrompt.Detect(dir));
            Config(Template(HfTokenizerConfig.ChatMlTemplate));
            Assert.Equal(ChatPromptFormat.ChatMl, ChatPrompt.Detect(dir));

            // Llama-3 headers: not one of ours → the instruction fallback, and a warning naming the file and the override.
            Config(Template("{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>{% endfor %}"));
            var unknown = ChatPrompt.Inspect(dir);
            Assert.Equal(ChatPromptFormat.Instruction, unknown.Format);
            Assert.Contains("tokenizer_config.json", unknown.Warning);
            Assert.Contains("--chat-format", unknown.Warning);
            // Gemma's own turn end: rendered as written, no warning, stopped at <end_of_turn> (StopIds).
            Config(Template("{% for m in messages %}<start_of_turn>{{ m.role }}\n{{ m.content }}<end_of_turn>\n{% endfor %}"));
            Assert.Null(ChatPrompt.Inspect(dir).Warning);
            Assert.Contains("Gemma", ChatPrompt.Inspect(dir).Source);
            Config("{ not json");
            Assert.Contains("tokenizer_config.json", Assert.Throws<InvalidDataException>(() => ChatPrompt.Inspect(dir)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("chatml", ChatPromptFormat.ChatMl)]
    [InlineData("Llama2", ChatPromptFormat.Llama2)]
    [InlineData("llm-jp", ChatPromptFormat.Instruction)]
    [InlineData("instruction", ChatPromptFormat.Instruction)]
    public void FormatNamesParse(string name, ChatPromptFormat format)
    {
        Assert.Equal(format, ChatPrompt.ParseFormat(name));
        Assert.Equal(format, ChatPrompt.ParseFormat(ChatPrompt.Name(format)));
    }

    [Fact]
    public void AnUnknownFormatNameListsTheKnownOnes() =>
        Assert.Contains("llama2", Assert.Throws<ArgumentException>(() => ChatPrompt.ParseFormat("vicuna")).Message);

    [Fact]
    public void ControlTokensWrittenInThePromptBecomeTheirIds()
    {
        var t = TestTokenizers.ByteFallback();
        int bos = t.BosId, eos = t.EosId;
        // A rendered Llama-2 prompt: one BOS (not two), </s> as EOS, the text between encoded as usual.
        var ids = PromptEncoding.Encode(t, "<s>[INST] ab [/INST] a </s><s>[INST] 東京 [/INST]", addBos: true);
        int[] expected = [bos, .. t.Encode("[INST] ab [/INST] a "), eos, bos, .. t.Encode("[INST] 東京 [/INST]")];
        Assert.Equal(expected, ids);
        Assert.Equal([bos, .. t.Encode("ab")], PromptEncoding.Encode(t, "ab", addBos: true));
        Assert.Equal(t.Encode("ab"), PromptEncoding.Encode(t, "ab", addBos: false));
        Assert.Equal([bos, eos], PromptEncoding.Encode(t, "</s>", addBos: true));
    }

    [Fact]
    public void ChatMlAlsoStopsOnTheImEndIdWhichAControlPieceDecodesToNothing()
    {
        var plain = TestTokenizers.ByteFallback();
        var model = plain.Model;
        var withImEnd = new SpmTokenizer(new SpmModel
        {
            Pieces = [.. model.Pieces, new SpmPiece("<|im_start|>", 0, PieceType.Control), new SpmPiece("<|im_end|>", 0, PieceType.Control)],
            TrainerSpec = model.TrainerSpec, NormalizerSpec = model.NormalizerSpec,
        });
        int end = withImEnd.PieceToId("<|im_end|>");
        Assert.Equal("", withImEnd.Decode([end])); // so the "<|im_end|>" stop string alone would never see it
        Assert.Equal([withImEnd.EosId, end], ChatPrompt.StopIds(ChatPromptFormat.ChatMl, withImEnd));
        Assert.Equal([withImEnd.EosId], ChatPrompt.StopIds(ChatPromptFormat.Llama2, withImEnd));
        Assert.Equal([plain.EosId], ChatPrompt.StopIds(ChatPromptFormat.ChatMl, plain)); // no such piece: EOS only
    }

    [Fact]
    public void Stops_TemplateWithItsOwnEosToken_StopsAtItAsAnIdOrAsText()
    {
        var plain = TestTokenizers.ByteFallback();
        var model = plain.Model;
        var withEot = new SpmTokenizer(new SpmModel
        {
            Pieces = [.. model.Pieces, new SpmPiece("<|eot_id|>", 0, PieceType.Control)],
            TrainerSpec = model.TrainerSpec, NormalizerSpec = model.NormalizerSpec,
        });
        var llama3 = ChatTemplate.Parse("{% for m in messages %}{{ m['content'] }}{{ eos_token }}{% endfor %}", new Dictionary<string, string> { ["eos_token"] = "<|eot_id|>" });
        // One piece (a control symbol decodes to no text): a stop id. Not a piece: a stop string, after the format's own.
        Assert.Equal([withEot.EosId, withEot.PieceToId("<|eot_id|>")], ChatPrompt.StopIds(ChatPromptFormat.Instruction, withEot, llama3));
        Assert.Equal(["### 指示:"], ChatPrompt.Stops(ChatPromptFormat.Instruction, llama3, withEot));
        Assert.Equal([plain.EosId], ChatPrompt.StopIds(ChatPromptFormat.Instruction, plain, llama3));
        Assert.Equal(["### 指示:", "<|eot_id|>"], ChatPrompt.Stops(ChatPromptFormat.Instruction, llama3, plain));
        // A template that ends turns in <end_of_turn> (Gemma) stops at that piece even though its eos_token is <eos>.
        var withTurnEnd = new SpmTokenizer(new SpmModel
        {
            Pieces = [.. model.Pieces, new SpmPiece("<end_of_turn>", 0, PieceType.Control)],
            TrainerSpec = model.TrainerSpec, NormalizerSpec = model.NormalizerSpec,
        });
        var gemma = ChatTemplate.Parse("{% for m in messages %}{{ m['content'] }}<end_of_turn>\n{% endfor %}", new Dictionary<string, string> { ["eos_token"] = "</s>" });
        Assert.Equal([withTurnEnd.EosId, withTurnEnd.PieceToId("<end_of_turn>")], ChatPrompt.StopIds(ChatPromptFormat.Instruction, withTurnEnd, gemma));
        Assert.Equal([plain.EosId], ChatPrompt.StopIds(ChatPromptFormat.Instruction, plain, gemma));
        // The tokenizer's own EOS as eos_token (the built-in Llama-2 template): nothing added.
        Assert.Equal([plain.EosId], ChatPrompt.StopIds(ChatPromptFormat.Llama2, plain, BuiltInChatTemplates.For(ChatPromptFormat.Llama2)));
        Assert.Empty(ChatPrompt.Stops(ChatPromptFormat.Llama2, BuiltInChatTemplates.For(ChatPromptFormat.Llama2), plain));
    }
}
