using System.Text.Json;
using Tsumugi.Datasets.Sft;
using static Tsumugi.Datasets.Sft.RecordValues;

namespace Tsumugi.Datasets.Preference;

/// <summary>
/// Turns one record of a file whose shape is known into a <see cref="PreferenceExample"/> (paired data) or an
/// <see cref="UnpairedPreferenceExample"/> (unpaired), or says why it cannot be trained on (<see cref="SftRejectReason"/>,
/// <see cref="PreferenceRejectReason"/>). Every path out of here is an example or a reason: nothing is dropped.
/// </summary>
internal sealed class PreferenceRecordParser(PreferenceShape.FileShape shape, PreferenceColumns columns, string? systemPrompt)
{
    /// <summary>Exactly one of the three is set.</summary>
    public readonly record struct Result(PreferenceExample? Pair, UnpairedPreferenceExample? Unpaired, SftReject? Reject);

    public Result Parse(SftRawRecord record)
    {
        if (record.Error is not null) return Rejected(record, SftRejectReason.MalformedJson, record.Error);
        if (record.Element.ValueKind != JsonValueKind.Object)
            return Rejected(record, SftRejectReason.MalformedJson, $"the record is a JSON {record.Element.ValueKind}, not an object");
        try
        {
            return shape.Format == PreferenceFormat.Paired
                ? new Result(Paired(record.Element, record.Location), null, null)
                : new Result(null, Unpaired(record.Element, record.Location), null);
        }
        catch (RecordProblem p)
        {
            return Rejected(record, p.Reason, p.Message);
        }
    }

    private static Result Rejected(SftRawRecord record, string reason, string detail) => new(null, null, new SftReject(record.Location, reason, detail, record.Json));

    private PreferenceExample Paired(JsonElement r, SftLocation location)
    {
        var chosen = Present(r, columns.ChosenName);
        var rejected = Present(r, columns.RejectedName);
        // A file that opened without a prompt column may still give one record its prompt: that record is explicit.
        JsonElement? prompt = shape.ExplicitPrompt || (r.TryGetProperty(columns.PromptName, out var own) && own.ValueKind != JsonValueKind.Null)
            ? Present(r, columns.PromptName)
            : null;
        var plain = SameKind(prompt is { } p ? [(columns.PromptName, p), (columns.ChosenName, chosen), (columns.RejectedName, rejected)] : [(columns.ChosenName, chosen), (columns.RejectedName, rejected)]);
        var example = plain ? PlainPair(prompt, chosen, rejected, location) : ConversationPair(prompt, chosen, rejected, location);
        Check(example.Prompt, example.Chosen, columns.ChosenName);
        Check(example.Prompt, example.Rejected, columns.RejectedName);
        if (example.Chosen.SequenceEqual(example.Rejected))
            throw new RecordProblem(PreferenceRejectReason.IdenticalPair, $"'{columns.ChosenName}' and '{columns.RejectedName}' are the same; the pair prefers nothing");
        return example;
    }

    private PreferenceExample PlainPair(JsonElement? promptValue, JsonElement chosenValue, JsonElement rejectedValue, SftLocation location)
    {
        var chosen = chosenValue.GetString()!;
        var rejected = rejectedValue.GetString()!;
        string prompt;
        if (promptValue is { } p) prompt = p.GetString()!;
        else
        {
            if (chosen == rejected)
                throw new RecordProblem(PreferenceRejectReason.IdenticalPair, $"'{columns.ChosenName}' and '{columns.RejectedName}' are the same text; the pair prefers nothing");
            var shared = ImplicitPrompt.SharedText(chosen, rejected);
            if (string.IsNullOrWhiteSpace(chosen[..shared]))
                throw new RecordProblem(PreferenceRejectReason.NoSharedPrompt, $"no '{columns.PromptName}' column, and '{columns.ChosenName}' and '{columns.RejectedName}' begin differently, so there is no prompt; add the prompt column (or set columns.prompt)");
            (prompt, chosen, rejected) = (chosen[..shared], chosen[shared..], rejected[shared..]);
        }
        return new PreferenceExample
        {
            Prompt = [new SftMessage(SftRoles.User, prompt)],
            Chosen = [new SftMessage(SftRoles.Assistant, chosen)],
            Rejected = [new SftMessage(SftRoles.Assistant, rejected)],
            IsPlainText = true,
            IsImplicitPrompt = promptValue is null,
            Location = location,
        };
    }

    private PreferenceExample ConversationPair(JsonElement? promptValue, JsonElement chosenValue, JsonElement rejectedValue, SftLocation location)
    {
        var chosen = Messages(chosenValue, columns.ChosenName);
        var rejected = Messages(rejectedValue, columns.RejectedName);
        List<SftMessage> prompt;
        if (promptValue is { } p) prompt = Messages(p, columns.PromptName);
        else
        {
            if (chosen.SequenceEqual(rejected))
                throw new RecordProblem(PreferenceRejectReason.IdenticalPair, $"'{columns.ChosenName}' and '{columns.RejectedName}' are the same conversation; the pair prefers nothing");
            var shared = ImplicitPrompt.SharedMessages(chosen, rejected);
            if (shared == 0)
                throw new RecordProblem(PreferenceRejectReason.NoSharedPrompt, $"no '{columns.PromptName}' column, and '{columns.ChosenName}' and '{columns.RejectedName}' share no leading message to be the prompt; add the prompt column (or set columns.prompt)");
            if (chosen[shared - 1].Role != SftRoles.User && shared < Math.Min(chosen.Count, rejected.Count))
                throw new RecordProblem(SftRejectReason.BadRoleOrder, $"'{columns.ChosenName}' and '{columns.RejectedName}' part after message {shared - 1} ({chosen[shared - 1].Role}); the shared prompt must end with a user turn, so that each answer is the assistant's");
            prompt = chosen[..shared];
            (chosen, rejected) = (chosen[shared..], rejected[shared..]);
        }
        return new PreferenceExample
        {
            Prompt = WithSystem(prompt),
            Chosen = chosen,
            Rejected = rejected,
            IsImplicitPrompt = promptValue is null,
            Location = location,
        };
    }

    private UnpairedPreferenceExample Unpaired(JsonElement r, SftLocation location)
    {
        var promptValue = Present(r, columns.PromptName);
        var completionValue = Present(r, columns.CompletionName);
        var labelValue = Present(r, columns.LabelName);
        if (labelValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw new RecordProblem(PreferenceRejectReason.BadLabel, $"'{columns.LabelName}' is {(labelValue.ValueKind == JsonValueKind.String ? $"the string {labelValue.GetRawText()}" : $"{AKind(labelValue)} ({labelValue.GetRawText()})")}; a label is true (desirable) or false (undesirable)");
        var plain = SameKind([(columns.PromptName, promptValue), (columns.CompletionName, completionValue)]);
        IReadOnlyList<SftMessage> prompt, completion;
        if (plain)
            (prompt, completion) = ([new SftMessage(SftRoles.User, promptValue.GetString()!)], [new SftMessage(SftRoles.Assistant, completionValue.GetString()!)]);
        else
            (prompt, completion) = (WithSystem(Messages(promptValue, columns.PromptName)), Messages(completionValue, columns.CompletionName));
        Check(prompt, completion, columns.CompletionName);
        return new UnpairedPreferenceExample(prompt, completion, labelValue.ValueKind == JsonValueKind.True, plain, location);
    }

    /// <summary>
    /// Prompt followed by the answer must be a conversation a chat template takes (<see cref="SftConversationRules"/>),
    /// and the answer must open with the assistant's turn.
    /// </summary>
    private static void Check(IReadOnlyList<SftMessage> prompt, IReadOnlyList<SftMessage> answer, string field)
    {
        if (answer.Count == 0) throw new RecordProblem(SftRejectReason.EmptyTurn, $"'{field}' holds no message after the prompt; it needs the assistant's answer");
        if (answer[0].Role != SftRoles.Assistant)
            throw new RecordProblem(SftRejectReason.BadRoleOrder, $"'{field}' opens with a {answer[0].Role} turn; an answer is the assistant's");
        if (SftConversationRules.Check([.. prompt, .. answer]) is { } problem)
            throw new RecordProblem(problem.Reason, $"prompt + '{field}': {problem.Detail}");
    }

    /// <summary>True when every value is a string (TRL's standard format), false when every one is a list (conversational).</summary>
    private static bool SameKind((string Field, JsonElement Value)[] values)
    {
        if (values.All(v => v.Value.ValueKind == JsonValueKind.String)) return true;
        if (values.All(v => v.Value.ValueKind == JsonValueKind.Array)) return false;
        throw new RecordProblem(SftRejectReason.WrongType,
            $"{string.Join(", ", values.Select(v => $"'{v.Field}' is {AKind(v.Value)}"))}; all must be strings or all message lists");
    }

    /// <summary>A column's value; absent or null is a missing column.</summary>
    private static JsonElement Present(JsonElement r, string field)
    {
        var v = Required(r, field);
        return v.ValueKind == JsonValueKind.Null ? throw new RecordProblem(SftRejectReason.MissingColumn, $"'{field}' is null") : v;
    }

    private List<SftMessage> Messages(JsonElement list, string field) => RecordValues.Messages(list, field, columns.Role, columns.Content);

    /// <summary>The configured system prompt first, when the conversation has no system message of its own.</summary>
    private List<SftMessage> WithSystem(List<SftMessage> prompt)
    {
        if (systemPrompt is null || (prompt.Count > 0 && prompt[0].Role == SftRoles.System)) return prompt;
        return [new SftMessage(SftRoles.System, systemPrompt), .. prompt];
    }
}
