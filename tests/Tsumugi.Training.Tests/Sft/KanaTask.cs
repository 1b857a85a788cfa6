using System.Text.Json.Nodes;

namespace Tsumugi.Training.Tests.Sft;

/// <summary>
/// A synthetic Japanese instruction task a random model cannot do: write a hiragana word in katakana
/// (「かな あいう」→「アイウ」). Each answer is a character-by-character mapping of the prompt, so a held-out word the
/// model never saw is answered exactly only if it learned the task, not the examples.
/// </summary>
public static class KanaTask
{
    public const string Hiragana = "あいうえおかきくけこ";
    public const string Katakana = "アイウエオカキクケコ";

    /// <summary>The tokenizer's words: each kana one piece, plus the instruction and the llama2 template's markers.</summary>
    public static readonly string[] Words = [.. Hiragana.Select(c => c.ToString()), .. Katakana.Select(c => c.ToString()), "かな", "[INST]", "[/INST]", "▁"];

    /// <summary>Distinct random words of 3–4 kana, split into training and held-out words.</summary>
    public static (List<string> Train, List<string> HeldOut) Words3To4(int train, int heldOut, int seed)
    {
        var random = new Random(seed);
        var words = new HashSet<string>();
        while (words.Count < train + heldOut)
            words.Add(new string(Enumerable.Range(0, random.Next(3, 5)).Select(_ => Hiragana[random.Next(Hiragana.Length)]).ToArray()));
        var all = words.ToList();
        return (all[..train], all[train..]);
    }

    public static string Instruction(string word) => "かな " + word;

    public static string Answer(string word) => new(word.Select(c => Katakana[Hiragana.IndexOf(c)]).ToArray());

    /// <summary>Alpaca records (instruction / output), one per line.</summary>
    public static void WriteJsonl(string path, IEnumerable<string> words) =>
        File.WriteAllLines(path, words.Select(w => new JsonObject { ["instruction"] = Instruction(w), ["output"] = Answer(w) }.ToJsonString()));
}
