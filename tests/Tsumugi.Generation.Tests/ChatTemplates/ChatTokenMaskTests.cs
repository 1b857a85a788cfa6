using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;

namespace Tsumugi.Generation.Tests.ChatTemplates;

public sealed class ChatTokenMaskTests
{
    static readonly ChatMessage[] Dialogue = [new("user", "ab"), new("assistant", "a"), new("user", "東京は"), new("assistant", "b。")];

    [Fact]
    public void Encode_Llama2Conversation_TrainsExactlyTheAssistantTurnsWithTheirEos()
    {
        var t = TestTokenizers.ByteFallback();
        var chat = BuiltInChatTemplates.For(ChatPromptFormat.Llama2).RenderWithSpans(Dialogue, addGenerationPrompt: false);
        Assert.Equal("<s>[INST] ab [/INST] a </s><s>[INST] 東京は [/INST] b。 </s>", chat.Text);

        var masked = ChatTokenMask.Encode(t, chat);

        // The ids are the whole text encoded at once: what the same text becomes as a prompt at inference.
        Assert.Equal(PromptEncoding.Encode(t, chat.Text, addBos: false), masked.Ids);
        // The trained tokens are each assistant turn, ending with its EOS, and nothing else.
        var runs = Runs(masked);
        Assert.Equal(2, runs.Count);
        Assert.All(runs, run => Assert.Equal(t.EosId, run[^1]));
        Assert.Equal(["a", "b。"], runs.Select(run => t.Decode(run[..^1]).Trim()).ToArray());
        Assert.False(masked.Trained[0]); // BOS
    }

    [Fact]
    public void Encode_SelectedSpans_TrainsOnlyThose()
    {
        var t = TestTokenizers.ByteFallback();
        var chat = BuiltInChatTemplates.For(ChatPromptFormat.Llama2).RenderWithSpans(Dialogue, addGenerationPrompt: false);

        var lastOnly = ChatTokenMask.Encode(t, chat, span => span.MessageIndex == 3);

        var run = Assert.Single(Runs(lastOnly));
        Assert.Equal("b。", t.Decode(run[..^1]).Trim());
    }

    /// <summary>The maximal runs of trained token ids.</summary>
    static List<int[]> Runs(MaskedTokens masked)
    {
        var runs = new List<int[]>();
        var current = new List<int>();
        for (int i = 0; i <= masked.Ids.Count; i++)
        {
            if (i < masked.Ids.Count && masked.Trained[i]) current.Add(masked.Ids[i]);
            else if (current.Count > 0)
            {
                runs.Add([.. current]);
                current.Clear();
            }
        }
        return runs;
    }
}
