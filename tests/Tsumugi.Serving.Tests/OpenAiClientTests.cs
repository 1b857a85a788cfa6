using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Serving.Server;

namespace Tsumugi.Serving.Tests;

/// <summary>The server as the official OpenAI .NET client sees it: answers must equal <see cref="TextGenerator"/>'s.</summary>
public sealed class OpenAiClientTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    const string UserText = "東京は";

    OpenAIClientOptions Options => new() { Endpoint = new Uri(fx.BaseUrl + "/v1") };
    ChatClient Chat() => new(ServerFixture.ModelName, new ApiKeyCredential(ServerFixture.ApiKey), Options);

    string Prompt => fx.Served.RenderChat([new Generation.Chat.ChatMessage("user", UserText)]);

    GenerationResult Expected(SamplingOptions? options = null) =>
        fx.Reference.Generate(Prompt, options ?? new SamplingOptions { Temperature = 0, MaxNewTokens = 16 });

    [Fact]
    public void ListsTheServedModel()
    {
        var models = new OpenAIModelClient(new ApiKeyCredential(ServerFixture.ApiKey), Options).GetModels().Value;
        Assert.Equal([ServerFixture.ModelName], models.Select(m => m.Id));
    }

    [Fact]
    public void GreedyChatCompletionEqualsTheGeneratorsOutput()
    {
        var expected = Expected();
        Assert.NotEmpty(expected.Text); // otherwise the comparison proves little
        var completion = Chat().CompleteChat([new UserChatMessage(UserText)], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 16 }).Value;
        Assert.Equal(expected.Text, completion.Content[0].Text);
        Assert.Equal(expected.FinishReasonText == "stop" ? ChatFinishReason.Stop : ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(expected.PromptTokens, completion.Usage.InputTokenCount);
        Assert.Equal(expected.CompletionTokens, completion.Usage.OutputTokenCount);
        Assert.Equal(expected.PromptTokens + expected.CompletionTokens, completion.Usage.TotalTokenCount);
        Assert.Equal(ServerFixture.ModelName, completion.Model);
    }

    [Fact]
    public void StreamedDeltasConcatenateToTheSameTextAndTheUsageChunkCountsTokens()
    {
        var expected = Expected();
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        int updates = 0;
        foreach (var update in Chat().CompleteChatStreaming([new UserChatMessage(UserText)], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 16 }))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage = update.Usage ?? usage;
            finish = update.FinishReason ?? finish;
        }
        Assert.True(updates > 2, $"expected several chunks, got {updates}");
        Assert.Equal(expected.Text, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(expected.PromptTokens, usage.InputTokenCount);
        Assert.Equal(expected.CompletionTokens, usage.OutputTokenCount);
        Assert.Equal(expected.FinishReasonText == "stop" ? ChatFinishReason.Stop : ChatFinishReason.Length, finish);
    }

    [Fact]
    public void AStopSequenceCutsTheTextAndFinishesWithStop()
    {
        var full = Expected().Text;
        // A character from the middle of the greedy text, so the stop certainly fires before the token limit.
        int at = Enumerable.Range(full.Length / 2, full.Length - full.Length / 2).First(i => !char.IsSurrogate(full[i]));
        var stop = full[at].ToString();
        var expected = Expected(new SamplingOptions { Temperature = 0, MaxNewTokens = 16, Stop = [stop] });
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], expected.Text);

        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 16 };
        options.StopSequences.Add(stop);
        var completion = Chat().CompleteChat([new UserChatMessage(UserText)], options).Value;
        Assert.Equal(expected.Text, completion.Content.Count == 0 ? "" : completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(expected.CompletionTokens, completion.Usage.OutputTokenCount);
    }
}
