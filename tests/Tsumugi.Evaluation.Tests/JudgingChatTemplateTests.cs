using System.Text.Json.Nodes;
using Tsumugi.Evaluation.Judging;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;

namespace Tsumugi.Evaluation.Tests;

/// <summary>MT-Bench answers are prompted with the model directory's own chat_template, as serve and chat prompt.</summary>
public sealed class JudgingChatTemplateTests : IDisposable
{
    /// <summary>A template none of the built-in formats renders: "[role] content", eos_token after each answer.</summary>
    const string Template = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}{{ eos_token if m['role'] == 'assistant' else '' }}\n"
        + "{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}";

    readonly JudgingTinyModel _model = new();

    public JudgingChatTemplateTests() => File.WriteAllText(Path.Combine(_model.Directory, "tokenizer_config.json"),
        new JsonObject { ["eos_token"] = "<|end|>", ["chat_template"] = Template }.ToJsonString());

    public void Dispose() => _model.Dispose();

    static readonly MtBenchQuestion Question = new("1", "writing", ["東京は。", "質問 ab"], null);

    [Fact]
    public void Answer_ModelWithOwnChatTemplate_PromptsEachTurnWithThatTemplate()
    {
        using var served = _model.Load();
        var generator = new MtBenchAnswerGenerator(served) { MaxNewTokens = 4, Temperature = 0 };
        var answer = generator.Answer(Question);

        const string first = "[user] 東京は。\n[assistant] ";
        string second = $"[user] 東京は。\n[assistant] {answer.Turns[0].Text}<|end|>\n[user] 質問 ab\n[assistant] ";
        Assert.Equal(first, generator.Prompt([new("user", "東京は。")]));
        Assert.Equal(second, generator.Prompt([new("user", "東京は。"), new("assistant", answer.Turns[0].Text), new("user", "質問 ab")]));

        // What Answer generated from: exactly these prompts, stopping where serve stops (the eos_token "<|end|>" is no
        // piece of this vocabulary, so it is a stop string).
        Assert.Equal(["### 指示:", "<|end|>"], served.ChatStops);
        var chat = served.CreateChatGenerator();
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 4, TopP = 1, Stop = served.ChatStops };
        Assert.Equal([chat.EncodePrompt(first).Count, chat.EncodePrompt(second).Count], answer.Turns.Select(t => t.PromptTokens));
        Assert.Equal(chat.Generate(second, options with { Seed = answer.Turns[1].Seed }).Text, answer.Turns[1].Text);
    }

    [Fact]
    public void Answer_ChatFormatForced_PromptsWithTheBuiltInTemplateAndItsStops()
    {
        using var forced = PretrainedModel.Load(_model.Directory, new PretrainedModelOptions { ChatFormat = ChatPromptFormat.ChatMl });
        var generator = new MtBenchAnswerGenerator(forced) { MaxNewTokens = 2, Temperature = 0 };
        var answer = generator.Answer(Question with { Turns = ["東京は。"] });
        const string expected = "<|im_start|>user\n東京は。<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(expected, generator.Prompt([new("user", "東京は。")]));
        Assert.Equal(forced.CreateChatGenerator().EncodePrompt(expected).Count, answer.Turns[0].PromptTokens);
        Assert.Equal(["<|im_end|>", "<|im_start|>"], forced.ChatStops); // the directory's eos_token belongs to its own template
    }
}
