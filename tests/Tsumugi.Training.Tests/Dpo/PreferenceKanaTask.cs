using System.Text.Json.Nodes;
using Tsumugi.Training.Tests.Sft;

namespace Tsumugi.Training.Tests.Dpo;

/// <summary>
/// The kana task as preferences, in both directions: 「かな あいう」 wants the katakana 「アイウ」 and 「ひら アイウ」 the
/// hiragana 「あいう」; the rejected answer echoes the word back unchanged. Every other word goes each way, so a model
/// that merely prefers one script is right half the time (a random model is near 50 %); preferring the chosen answer on
/// held-out words means it learned to answer in the script the prompt does not use.
/// </summary>
public static class PreferenceKanaTask
{
    public sealed record Pair(string Prompt, string Chosen, string Rejected);

    public static List<Pair> Pairs(IReadOnlyList<string> words) => words.Select((w, i) => i % 2 == 0
        ? new Pair(KanaTask.Instruction(w), KanaTask.Answer(w), w)
        : new Pair("ひら " + KanaTask.Answer(w), w, KanaTask.Answer(w))).ToList();

    /// <summary>TRL's conversational preference records: prompt, chosen and rejected as message lists.</summary>
    public static void WriteJsonl(string path, IEnumerable<Pair> pairs) =>
        File.WriteAllLines(path, pairs.Select(p => new JsonObject
        {
            ["prompt"] = Messages(("user", p.Prompt)),
            ["chosen"] = Messages(("assistant", p.Chosen)),
            ["rejected"] = Messages(("assistant", p.Rejected)),
        }.ToJsonString()));

    static JsonArray Messages(params (string Role, string Content)[] messages) =>
        new(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
}
