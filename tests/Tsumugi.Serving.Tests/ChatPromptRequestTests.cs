using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Serving.Server;

namespace Tsumugi.Serving.Tests;

/// <summary>How a chat request's messages reach the generator in each format (RequestParser over a served tiny model).</summary>
public sealed class ChatPromptRequestTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    CompletionRequest Parse(ChatPromptFormat format, string json) =>
        RequestParser.ParseChat(RequestParser.ParseBody(json), new PretrainedModel(tiny.Model, tiny.Tokenizer, "m", format));

    const string Body = """{"model": "m", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "東京は"}], "max_tokens": 4, "stop": ["。"]}""";

    [Fact]
    public void TheRequestIsRenderedInTheServedFormatAndChatMlAlsoStopsAtImEnd()
    {
        var chatMl = Parse(ChatPromptFormat.ChatMl, Body);
        Assert.Equal(ChatPrompt.Render(BuiltInChatTemplates.For(ChatPromptFormat.ChatMl), [new("system", "s"), new("user", "東京は")]), chatMl.Prompt);
        Assert.Equal(["。", "<|im_end|>", "<|im_start|>"], chatMl.Options.Stop); // the turn end, and the next message's opening
        var llama2 = Parse(ChatPromptFormat.Llama2, Body);
        Assert.Equal("<s>[INST] <<SYS>>\ns\n<</SYS>>\n\n東京は [/INST]", llama2.Prompt);
        Assert.Equal(["。"], llama2.Options.Stop); // its turns end with </s> = EOS
        Assert.Equal(tiny.Tokenizer.BosId, llama2.PromptIds[0]);
        Assert.NotEqual(tiny.Tokenizer.BosId, llama2.PromptIds[1]); // the rendered <s> is the one BOS, not a second
        Assert.Equal(["。", "### 指示:"], Parse(ChatPromptFormat.Instruction, Body).Options.Stop);
    }
}
