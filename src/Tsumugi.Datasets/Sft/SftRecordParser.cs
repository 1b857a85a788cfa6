using System.Text.Json;
using static Tsumugi.Datasets.Sft.RecordValues;

namespace Tsumugi.Datasets.Sft;

/// <summary>
/// Turns one record of a file whose format is known into an <see cref="SftExample"/>, or says why it cannot be trained
/// on (<see cref="SftRejectReason"/>). Every path out of here is either an example or a reason: nothing is dropped.
/// </summary>
internal sealed class SftRecordParser(SftFormat format, SftColumns columns, string? systemPrompt)
{
    public (SftExample? Example, SftReject? Reject) Parse(SftRawRecord record)
    {
        if (record.Error is not null) return (null, new SftReject(record.Location, SftRejectReason.MalformedJson, record.Error, record.Json));
        if (record.Element.ValueKind != JsonValueKind.Object)
            return (null, new SftReject(record.Location, SftRejectReason.MalformedJson, $"the record is a JSON {record.Element.ValueKind}, not an object", record.Json));
        try
        {
            var example = Convert(record.Element, record.Location);
            return SftConversationRules.Check(example.Messages) is { } problem
                ? (null, new SftReject(record.Location, problem.Reason, problem.Detail, record.Json))
                : (example, null);
        }
        catch (RecordProblem p)
        {
            return (null, new SftReject(record.Location, p.Reason, p.Message, record.Json));
        }
    }

    private SftExample Convert(JsonElement r, SftLocation location) => format switch
    {
        SftFormat.Alpaca => Alpaca(r, location),
        SftFormat.Sharegpt => Conversation(r, location, columns.ConversationsName),
        SftFormat.Openai => Conversation(r, location, columns.MessagesName),
        SftFormat.PromptCompletion => PromptCompletion(r, location),
        _ => throw new InvalidOperationException("format not resolved"),
    };

    private SftExample Alpaca(JsonElement r, SftLocation location)
    {
        var instruction = RequiredString(r, columns.InstructionName);
        var input = OptionalString(r, columns.InputName);
        var output = RequiredString(r, columns.OutputName);
        // dolly-ja and Alpaca put the context under the instruction; one user turn holds both, a blank line apart.
        var user = string.IsNullOrWhiteSpace(input) ? instruction : $"{instruction}\n\n{input}";
        List<SftMessage> messages = [new(SftRoles.User, user), new(SftRoles.Assistant, output)];
        return new SftExample { Messages = WithSystem(r, messages, out _), Location = location };
    }

    private SftExample Conversation(JsonElement r, SftLocation location, string field)
    {
        var messages = Messages(Required(r, field), field);
        return new SftExample { Messages = WithSystem(r, messages, out _), Location = location };
    }

    private SftExample PromptCompletion(JsonElement r, SftLocation location)
    {
        var prompt = Required(r, columns.PromptName);
        var completion = Required(r, columns.CompletionName);
        if (prompt.ValueKind == JsonValueKind.String && completion.ValueKind == JsonValueKind.String)
        {
            return new SftExample
            {
                Messages = [new(SftRoles.User, prompt.GetString()!), new(SftRoles.Assistant, completion.GetString()!)],
                PromptMessageCount = 1,
                IsPlainText = true,
                Location = location,
            };
        }
        if (prompt.ValueKind != JsonValueKind.Array || completion.ValueKind != JsonValueKind.Array)
            throw new RecordProblem(SftRejectReason.WrongType,
                $"'{columns.PromptName}' is a {Kind(prompt)} and '{columns.CompletionName}' a {Kind(completion)}; both must be strings or both message lists");
        var promptMessages = Messages(prompt, columns.PromptName);
        var completionMessages = Messages(completion, columns.CompletionName);
        if (completionMessages.Count > 0 && completionMessages[0].Role != SftRoles.Assistant)
            throw new RecordProblem(SftRejectReason.BadRoleOrder, $"'{columns.CompletionName}' opens with a {completionMessages[0].Role} turn; a completion is the assistant's answer");
        var all = WithSystem(r, promptMessages, out _);
        var promptCount = all.Count;
        all.AddRange(completionMessages);
        return new SftExample { Messages = all, PromptMessageCount = promptCount, Location = location };
    }

    /// <summary>
    /// Adds the record's own system field, else the configured default, when the conversation opens without a system
    /// message.
    /// </summary>
    private List<SftMessage> WithSystem(JsonElement r, List<SftMessage> messages, out bool added)
    {
        added = false;
        var own = format == SftFormat.Alpaca || r.TryGetProperty(columns.SystemName, out _) ? OptionalString(r, columns.SystemName) : null;
        var system = string.IsNullOrWhiteSpace(own) ? systemPrompt : own;
        if (system is null || (messages.Count > 0 && messages[0].Role == SftRoles.System)) return messages;
        messages.Insert(0, new SftMessage(SftRoles.System, system));
        added = true;
        return messages;
    }

    private List<SftMessage> Messages(JsonElement list, string field) => RecordValues.Messages(list, field, columns.Role, columns.Content);
}
