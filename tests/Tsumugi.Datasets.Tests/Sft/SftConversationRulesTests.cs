using Tsumugi.Datasets.Sft;
using static Tsumugi.Datasets.Tests.Sft.SftTestData;

namespace Tsumugi.Datasets.Tests.Sft;

public class SftConversationRulesTests
{
    [Fact]
    public void Check_SystemThenAlternatingEndingWithAssistant_Passes()
    {
        var example = Example(("system", "丁寧に"), ("user", "質問"), ("assistant", "回答"), ("user", "追加"), ("assistant", "補足"));

        Assert.Null(SftConversationRules.Check(example.Messages));
    }

    [Theory]
    [InlineData("user,assistant,assistant", "two assistant turns in a row (messages 1 and 2)")]
    [InlineData("assistant,user,assistant", "assistant speaks first;")]
    [InlineData("user,system,assistant", "system message at position 1")]
    [InlineData("user,assistant,user", "ends with a user turn")]
    [InlineData("system", "only a system message")]
    [InlineData("", "no messages")]
    public void Check_BadOrder_ReportsWhatIsWrong(string roles, string expected)
    {
        var messages = roles.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => new SftMessage(r, "内容")).ToList();

        var problem = SftConversationRules.Check(messages);

        Assert.Equal(SftRejectReason.BadRoleOrder, problem?.Reason);
        Assert.Contains(expected, problem?.Detail);
    }

    [Fact]
    public void Check_EmptyAssistantTurn_IsEmptyTurnBeforeOrder()
    {
        var problem = SftConversationRules.Check([new("assistant", "x"), new("user", "質問"), new("assistant", "\n")]);

        Assert.Equal((SftRejectReason.EmptyTurn, "message 2 (assistant) is empty"), problem);
    }

    [Theory]
    [InlineData("human", "user")]
    [InlineData("GPT", "assistant")]
    [InlineData("developer", "system")]
    [InlineData("function_call", null)]
    [InlineData("observation", null)]
    public void Normalize_RoleSpellings_MapToThreeRoles(string name, string? expected) =>
        Assert.Equal(expected, SftRoles.Normalize(name));
}
