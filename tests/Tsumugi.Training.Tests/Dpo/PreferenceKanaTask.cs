using System.Text.Json.Nodes;
using Tsumugi.Training.Tests.Sft;

namespace Tsumugi.Training.Tests.Dpo;

/// <summary>
/// The kana task as preferences: for 「かな あいう」 the chosen answer is its katakana 「アイウ」, the rejected one the
/// katakana of another word of the same length. A random model prefers either about half the time; preferring the
/// chosen answer on held-out words means it learned the mapping.
/// </summary>
public static class PreferenceKanaTask
{
    public sealed record Pair(string Word, string Chosen, string Rejected);

    public static List<Pair> Pairs(IReadOnlyList<string> words, int seed)
    {
        var random = new Random(seed);
        return words.Select(w =>
        {
            string other;
            do other = words[random.Next(words.Count)];
            while (other.Length != w.Length || other == w);
            return new Pair(w, KanaTask.Answer(w), KanaTask.Answer(other));
        }).ToList();
    }

    /// <summary>TRL's conversational preference records: prompt, chosen and rejected as message lists.</summary>
    public static void WriteJsonl(string path, IEnumerable<Pair> pairs) =>
        File.WriteAllLines(path, pairs.Select(p => new JsonObject
        {
            ["prompt"] = Messages(("user", KanaTask.Instruction(p.Word))),
            ["chosen"] = Messages(("assistant", p.Chosen)),
            ["rejected"] = Messages(("assistant", p.Rejected)),
        }.ToJsonString()));

    static JsonArray Messages(params (string Role, string Content)[] messages) =>
        new(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
}
