namespace Tsumugi.Datasets.Sft;

/// <summary>
/// The shape common chat templates require (Llama 2/3, Mistral, Gemma and Qwen's templates raise on other orders, or
/// render something the model never saw): an optional system message first, then user and assistant alternating from
/// a user turn, ending with an assistant turn — the last turn is what the example trains.
/// </summary>
public static class SftConversationRules
{
    /// <summary>The first problem of <paramref name="messages"/> as (reason, detail), or null when it can be trained on.</summary>
    public static (string Reason, string Detail)? Check(IReadOnlyList<SftMessage> messages)
    {
        for (var i = 0; i < messages.Count; i++)
            if (string.IsNullOrWhiteSpace(messages[i].Content))
                return (SftRejectReason.EmptyTurn, $"message {i} ({messages[i].Role}) is empty");

        var start = messages.Count > 0 && messages[0].Role == SftRoles.System ? 1 : 0;
        if (start == messages.Count)
            return (SftRejectReason.BadRoleOrder, messages.Count == 0 ? "no messages" : "only a system message; nothing to train on");
        for (var i = start; i < messages.Count; i++)
        {
            var role = messages[i].Role;
            if (role == SftRoles.System)
                return (SftRejectReason.BadRoleOrder, $"system message at position {i}; only the first message may be system");
            var expected = (i - start) % 2 == 0 ? SftRoles.User : SftRoles.Assistant;
            if (role == expected) continue;
            return i == start
                ? (SftRejectReason.BadRoleOrder, start == 1
                    ? "assistant speaks first after the system message; a conversation must open with a user turn"
                    : "assistant speaks first; a conversation must open with a user turn")
                : (SftRejectReason.BadRoleOrder, $"two {role} turns in a row (messages {i - 1} and {i}); user and assistant must alternate");
        }
        if (messages[^1].Role != SftRoles.Assistant)
            return (SftRejectReason.BadRoleOrder, "ends with a user turn; the last turn must be the assistant's (it is what the example trains)");
        return null;
    }
}
