using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;

namespace Tsumugi.Generation.Tests.ChatTemplates;

public sealed class ChatTokenMaskTests
{
    [Fact]
    public void Encode_Llama2Conversation_TrainsExactlyTheAssistantTurnsWithTheirEos()
    {
        var t = TestTokenizers.ByteFallback();
        var chat = BuiltInChatTemplates.For(ChatPromptFormat.Llama2)
            .RenderWithSpans([new("user", "ab"), new("assistant", "a"), new("user", "東京は"), new("assistant", "b。")], addGenerationPrompt: false);
        Assert.Equal("<s>[INST] ab [/INST] a </s><s>[INST] 東京は [/INST] b。 </s>", chat.Text);

        var masked = ChatTokenMask.Encode(t, chat);
        int[] prompt1 = [t.BosId, .. t.Encode("[INST] ab [/INST]")], answer1 = [.. t.Encode(" a "), t.EosId];
        int[] prompt2 = [t.BosId, .. t.Encode("[INST] 東京は [/INST]")], answer2 = [.. t.Encode(" b。 "), t.EosId];
        Assert.Equal([.. prompt1, .. answer1, .. prompt2, .. answer2], masked.Ids);
        bool[] expected = [.. prompt1.Select(_ => false), .. answer1.Select(_ => true), .. prompt2.Select(_ => false), .. answer2.Select(_ => true)];
        Assert.Equal(expected, masked.Trained);
    }
}
