using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Training;

/// <summary>
/// The trainers' shared front end (trainer_interface.cc): normalize sentences as the final model will, cut them at
/// user-defined/control symbols, choose the alphabet by character_coverage (required chars forced in), and count
/// "▁"-prefixed words. Characters outside the alphabet end a word (spm maps them to an UNK char no piece may hold).
/// </summary>
sealed class TrainingCorpus
{
    public const int MetaChar = 0x2581;
    public List<(int[] Cps, long Freq)> Words { get; } = [];
    /// <summary>
    /// Per word, what followed its occurrences: bit 1 = another "▁" word, bit 2 = the sentence end or a character
    /// outside the alphabet. spm finds seeds on whole sentences, where these are different right contexts.
    /// </summary>
    public List<byte> WordEnds { get; } = [];
    /// <summary>Alphabet characters with their counts, most frequent first.</summary>
    public List<(int Cp, long Count)> Alphabet { get; } = [];
    public long SentenceCount { get; private set; }

    public static SpmNormalizerSpec NormalizerSpecFor(TrainerOptions o) => new()
    {
        Name = "identity",
        AddDummyPrefix = o.AddDummyPrefix,
        RemoveExtraWhitespaces = o.RemoveExtraWhitespaces,
        EscapeWhitespaces = true,
    };

    public static TrainingCorpus Build(IReadOnlyList<string> sentences, TrainerOptions o)
    {
        if (sentences.Count == 0) throw new InvalidDataException("the training corpus is empty; pass text files or .jsonl.zst shards that contain text.");
        var c = new TrainingCorpus { SentenceCount = sentences.Count };
        var normalizer = new SpmNormalizer(NormalizerSpecFor(o), false, null);
        var metaSymbols = o.UserDefinedSymbols.Concat(o.ControlSymbols).Where(s => s.Length > 0).ToArray();
        var charCounts = new Dictionary<int, long>();
        var wordCounts = new Dictionary<string, (long Freq, byte Ends)>(StringComparer.Ordinal);
        var normalized = new List<int[]>(sentences.Count);
        foreach (var raw in sentences)
        {
            foreach (var part in metaSymbols.Length == 0 ? [raw] : raw.Split(metaSymbols, StringSplitOptions.None))
            {
                var norm = System.Text.Encoding.UTF8.GetString(normalizer.Normalize(part));
                if (norm.Length == 0) continue;
                var cps = ToCodePoints(norm);
                foreach (int cp in cps) System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(charCounts, cp, out _)++;
                normalized.Add(cps);
            }
        }
        if (charCounts.Count == 0) throw new InvalidDataException("the training corpus has no characters after normalization.");

        var required = new HashSet<int>(ToCodePoints(o.RequiredChars));
        long total = charCounts.Values.Sum();
        long acc = 0;
        var alphabet = new HashSet<int>();
        foreach (var (cp, n) in charCounts.OrderByDescending(kv => required.Contains(kv.Key)).ThenByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)))
        {
            if (!required.Contains(cp) && acc / (double)total >= o.CharacterCoverage) break;
            alphabet.Add(cp); acc += n;
            c.Alphabet.Add((cp, n));
        }
        foreach (int r in required) if (alphabet.Add(r)) c.Alphabet.Add((r, 1));

        // Membership is asked twice per character of the corpus: a flat table for the BMP, the set beyond it.
        var inBmp = new bool[0x10000];
        foreach (int cp in alphabet) if (cp < 0x10000) inBmp[cp] = true;
        bool InAlphabet(int cp) => cp < 0x10000 ? inBmp[cp] : alphabet.Contains(cp);
        var sb = new System.Text.StringBuilder();
        foreach (var cps in normalized)
        {
            sb.Clear();
            foreach (int cp in cps)
            {
                bool known = InAlphabet(cp);
                bool boundary = !known || (o.SplitByWhitespace && cp == MetaChar);
                if (boundary && sb.Length > 0) { Count(wordCounts, sb.ToString(), cp == MetaChar ? (byte)1 : (byte)2); sb.Clear(); }
                if (known) { if (cp < 0x10000) sb.Append((char)cp); else sb.Append(char.ConvertFromUtf32(cp)); }
            }
            if (sb.Length > 0) Count(wordCounts, sb.ToString(), 2);
        }
        foreach (var (w, (f, ends)) in wordCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal)) { c.Words.Add((ToCodePoints(w), f)); c.WordEnds.Add(ends); }
        return c;
    }

    static void Count(Dictionary<string, (long Freq, byte Ends)> d, string w, byte end)
    {
        ref var entry = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(d, w, out _);
        entry = (entry.Freq + 1, (byte)(entry.Ends | end));
    }

    public static int[] ToCodePoints(string s)
    {
        var list = new List<int>(s.Length);
        foreach (var r in s.EnumerateRunes()) list.Add(r.Value);
        return [.. list];
    }

    public static string FromCodePoints(ReadOnlySpan<int> cps)
    {
        var sb = new System.Text.StringBuilder(cps.Length);
        foreach (int c in cps) sb.Append(char.ConvertFromUtf32(c));
        return sb.ToString();
    }
}
