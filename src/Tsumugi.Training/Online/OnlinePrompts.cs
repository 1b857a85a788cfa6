using System.Text.Json;
using Tsumugi.Datasets.Sampling;
using Tsumugi.Datasets.Sft;
using Tsumugi.Training.Config;

namespace Tsumugi.Training.Online;

/// <summary>One prompt of an online run: the conversation so far (ending with the user's turn) and the expected answer, if any.</summary>
/// <param name="Index">Its line's position among the file's prompts: the key of its generations in every iteration.</param>
public sealed record OnlinePrompt(int Index, IReadOnlyList<SftMessage> Messages, string? Answer, string Location);

/// <summary>The prompts file split once, by the run's seed, into held-out prompts and training prompts.</summary>
public sealed record OnlinePromptSet(IReadOnlyList<OnlinePrompt> Train, IReadOnlyList<OnlinePrompt> HeldOut)
{
    /// <summary>The training prompts of iteration <paramref name="iteration"/> (1-based): consecutive slices, wrapping around.</summary>
    public IReadOnlyList<OnlinePrompt> ForIteration(int iteration, int perIteration)
    {
        if (perIteration <= 0 || perIteration >= Train.Count) return Train;
        var start = (long)(iteration - 1) * perIteration;
        return Enumerable.Range(0, perIteration).Select(i => Train[(int)((start + i) % Train.Count)]).ToList();
    }

    /// <summary>
    /// Reads <see cref="OnlineSettings.Prompts"/>: JSONL whose prompt column holds text (one user turn) or a list of
    /// {role, content} messages ending with a user turn, and an optional answer column. Every bad line is an error with its
    /// file:line — the prompts are the run's whole input, so none is skipped silently.
    /// </summary>
    public static OnlinePromptSet Read(OnlineSettings settings, long seed)
    {
        if (!File.Exists(settings.Prompts)) throw new TrainConfigException($"{settings.Prompts}: prompts file not found (online.prompts)");
        var prompts = new List<OnlinePrompt>();
        var number = 0;
        foreach (var line in File.ReadLines(settings.Prompts))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            var where = $"{settings.Prompts}:{number}";
            prompts.Add(Parse(line, where, prompts.Count, settings));
        }
        if (prompts.Count <= settings.HeldOut)
            throw new TrainConfigException($"{settings.Prompts}: {prompts.Count} prompt(s), but online.held_out keeps {settings.HeldOut} aside; add prompts or lower held_out");
        var order = DeterministicRandom.For(seed, 0x4F4E).Permutation(prompts.Count);
        return new OnlinePromptSet(order.Skip(settings.HeldOut).Select(i => prompts[i]).ToList(), order.Take(settings.HeldOut).Select(i => prompts[i]).ToList());
    }

    static OnlinePrompt Parse(string line, string where, int index, OnlineSettings settings)
    {
        JsonElement record;
        try
        {
            record = JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException e)
        {
            throw new TrainConfigException($"{where}: not valid JSON ({e.Message})");
        }
        if (record.ValueKind != JsonValueKind.Object) throw new TrainConfigException($"{where}: expected a JSON object with '{settings.PromptColumn}'");
        if (!record.TryGetProperty(settings.PromptColumn, out var prompt) && !record.TryGetProperty("messages", out prompt))
            throw new TrainConfigException($"{where}: no '{settings.PromptColumn}' (or 'messages'); set online.prompt_column to the column holding the prompt");
        List<SftMessage> messages = prompt.ValueKind switch
        {
            JsonValueKind.String => [new SftMessage("user", prompt.GetString()!)],
            JsonValueKind.Array => prompt.EnumerateArray().Select(m => Message(m, where)).ToList(),
            _ => throw new TrainConfigException($"{where}: '{settings.PromptColumn}' must be text or a list of {{role, content}} messages"),
        };
        if (messages.Count == 0 || messages[^1].Role != "user" || messages.Any(m => m.Content.Trim().Length == 0))
            throw new TrainConfigException($"{where}: the prompt must end with a non-empty user turn (the policy answers it)");
        string? answer = null;
        if (record.TryGetProperty(settings.AnswerColumn, out var a) && a.ValueKind != JsonValueKind.Null)
            answer = a.ValueKind == JsonValueKind.String ? a.GetString() : a.GetRawText();
        return new OnlinePrompt(index, messages, answer, where);
    }

    static SftMessage Message(JsonElement m, string where)
    {
        if (m.ValueKind == JsonValueKind.Object && m.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
            && m.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            return new SftMessage(role.GetString()!, content.GetString()!);
        throw new TrainConfigException($"{where}: every prompt message needs string 'role' and 'content'");
    }
}
