namespace Tsumugi.Corpus.Text;

/// <summary>
/// Splits text into pseudo-words without a morphological analyser: runs of one script (hiragana, katakana, kanji,
/// latin/digits) form a word, each symbol is its own word, whitespace separates. Close enough to MeCab words for
/// repetition statistics, and orders of magnitude faster.
/// </summary>
public static class PseudoWords
{
    public static void Split(ReadOnlySpan<char> text, List<ulong> words)
    {
        words.Clear();
        int start = 0, script = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            int s = i < text.Length ? CharClass.ScriptOf(text[i]) : -2;
            if (s == script && s != 5) continue;
            if (script > 0) words.Add(Hash(text[start..i]));
            start = i;
            script = s;
        }
    }

    static ulong Hash(ReadOnlySpan<char> w) => System.IO.Hashing.XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(w));
}
