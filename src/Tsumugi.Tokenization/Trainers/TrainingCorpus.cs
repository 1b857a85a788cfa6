using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Trainers;

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
        Name = o.Normalization,
        PrecompiledCharsmap = o.PrecompiledCharsmap ?? Normalization.NormalizationRules.PrecompiledCharsMap(o.Normalization),
        AddDummyPrefix = o.AddDummyPrefix,
        RemoveExtraWhitespaces = o.RemoveExtraWhitespaces,
        EscapeWhitespaces = true,
    };

    /// <summary>
    /// Counts the corpus in one pass over <paramref name="sentences"/>, which may be a stream (the text is never held):
    /// batches of sentences are normalized and counted on <see cref="TrainerOptions.Threads"/> workers — characters,
    /// and "raw" words cut only at "▁" — while the caller's thread reads. Once the alphabet is known from the character
    /// counts, each distinct raw word is re-cut at the characters outside it (with its frequency): the same words and
    /// counts as cutting every sentence with the alphabet, without a second pass over the text.
    /// </summary>
    public static TrainingCorpus Build(IEnumerable<string> sentences, TrainerOptions o)
    {
        var c = new TrainingCorpus();
        var spec = NormalizerSpecFor(o);
        var metaSymbols = o.UserDefinedSymbols.Concat(o.ControlSymbols).Where(s => s.Length > 0).ToArray();
        int workers = Math.Clamp(o.Threads, 1, 64);
        var counted = new (CharCounts Chars, WordTable Raw)[workers];
        using (var queue = new System.Collections.Concurrent.BlockingCollection<string[]>(boundedCapacity: 2 * workers))
        {
            var tasks = Enumerable.Range(0, workers).Select(t => Task.Factory.StartNew(() =>
            {
                try
                {
                    var text = new SentenceText(new SpmNormalizer(spec, false, null), metaSymbols);
                    var part = (Chars: new CharCounts(), Raw: new WordTable());
                    foreach (var batch in queue.GetConsumingEnumerable())
                        foreach (var sentence in batch) CountSentence(sentence, text, part.Chars, part.Raw, o.SplitByWhitespace);
                    counted[t] = part;
                }
                catch
                {
                    queue.CompleteAdding(); // the reader's next Add throws instead of waiting for a worker that is gone
                    throw;
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            try
            {
                var batch = new List<string>(BatchSize);
                foreach (var sentence in sentences)
                {
                    c.SentenceCount++;
                    batch.Add(sentence);
                    if (batch.Count == BatchSize) { queue.Add(batch.ToArray()); batch.Clear(); }
                }
                if (batch.Count > 0) queue.Add(batch.ToArray());
            }
            finally
            {
                queue.CompleteAdding();
                // A worker's failure (not expected: the normalizer takes any text) surfaces as itself, not wrapped, and
                // replaces the reader's "adding completed" error it caused.
                foreach (var task in tasks) task.GetAwaiter().GetResult();
            }
        }
        if (c.SentenceCount == 0) throw new InvalidDataException("the training corpus is empty; pass text files or .jsonl.zst shards that contain text.");
        var charCounts = counted[0].Chars;
        for (int i = 1; i < workers; i++) charCounts.Add(counted[i].Chars);
        if (charCounts.Distinct == 0) throw new InvalidDataException("the training corpus has no characters after normalization.");

        var required = new HashSet<int>(ToCodePoints(o.RequiredChars));
        long total = charCounts.Total;
        long acc = 0;
        var alphabet = new CharSet();
        foreach (var (cp, n) in charCounts.All().OrderByDescending(kv => required.Contains(kv.Cp)).ThenByDescending(kv => kv.Count).ThenBy(kv => kv.Cp))
        {
            if (!required.Contains(cp) && acc / (double)total >= o.CharacterCoverage) break;
            alphabet.Add(cp); acc += n;
            c.Alphabet.Add((cp, n));
        }
        foreach (int r in required) if (alphabet.Add(r)) c.Alphabet.Add((r, 1));

        var words = new WordTable();
        foreach (var (_, raw) in counted)
            for (int e = 0; e < raw.Size; e++) CutWords(raw.Text(e), raw.Freq[e], raw.Ends[e], alphabet, o.SplitByWhitespace, words);
        counted = null!; // the raw tables (a field of the workers' closure, so not freed by liveness)
        var order = words.OrdinalOrder(workers);
        var cps = new int[order.Length][];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
        {
            for (int k = (int)((long)order.Length * i / workers), end = (int)((long)order.Length * (i + 1) / workers); k < end; k++)
                cps[k] = ToCodePoints(words.Text(order[k]));
        });
        for (int k = 0; k < order.Length; k++)
        {
            c.Words.Add((cps[k], words.Freq[order[k]]));
            c.WordEnds.Add(words.Ends[order[k]]);
        }
        return c;
    }

    const int BatchSize = 1024;

    /// <summary>Counts one sentence's characters and its raw words (every character known: cut only at "▁").</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void CountSentence(string raw, SentenceText text, CharCounts counts, WordTable words, bool splitByWhitespace)
    {
        int parts = text.PartCount(raw, out var split);
        for (int pi = 0; pi < parts; pi++)
        {
            var chars = text.Normalize(split == null ? raw : split[pi]);
            counts.Count(chars);
            CutWords(chars, 1, 2, null, splitByWhitespace, words);
        }
    }

    /// <summary>Normalizes sentences (split at user-defined/control symbols) into a reusable UTF-16 buffer.</summary>
    sealed class SentenceText(SpmNormalizer normalizer, string[] metaSymbols)
    {
        byte[] _utf8 = new byte[4096];
        byte[]? _normalized;
        char[] _chars = new char[4096];

        public int PartCount(string raw, out string[]? split)
        {
            split = metaSymbols.Length == 0 ? null : raw.Split(metaSymbols, StringSplitOptions.None);
            return split?.Length ?? 1;
        }

        /// <summary>The normalized text of a part, as UTF-16 (what Encoding.UTF8.GetString of the normalized bytes gives).</summary>
        public ReadOnlySpan<char> Normalize(string part)
        {
            int max = System.Text.Encoding.UTF8.GetMaxByteCount(part.Length);
            if (_utf8.Length < max) _utf8 = new byte[max * 2];
            int n = System.Text.Encoding.UTF8.GetBytes(part, _utf8);
            var norm = normalizer.Normalize(_utf8.AsSpan(0, n), ref _normalized);
            if (_chars.Length < norm.Length) _chars = new char[norm.Length * 2];
            int k = System.Text.Encoding.UTF8.GetChars(norm, _chars);
            return _chars.AsSpan(0, k);
        }
    }

    /// <summary>Character counts: a flat table for the BMP, a dictionary beyond it.</summary>
    sealed class CharCounts
    {
        public readonly long[] Bmp = new long[0x10000];
        public readonly Dictionary<int, long> Astral = [];

        public long Total
        {
            get { long t = 0; foreach (long n in Bmp) t += n; foreach (long n in Astral.Values) t += n; return t; }
        }

        public int Distinct
        {
            get { int d = Astral.Count; foreach (long n in Bmp) if (n > 0) d++; return d; }
        }

        public IEnumerable<(int Cp, long Count)> All()
        {
            for (int cp = 0; cp < Bmp.Length; cp++) if (Bmp[cp] > 0) yield return (cp, Bmp[cp]);
            foreach (var kv in Astral) yield return (kv.Key, kv.Value);
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void Count(ReadOnlySpan<char> chars)
        {
            for (int i = 0; i < chars.Length; i++)
            {
                char ch = chars[i];
                if (char.IsHighSurrogate(ch) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                {
                    System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(Astral, char.ConvertToUtf32(ch, chars[i + 1]), out _)++;
                    i++;
                }
                else Bmp[ch]++;
            }
        }

        public void Add(CharCounts other)
        {
            for (int cp = 0; cp < Bmp.Length; cp++) Bmp[cp] += other.Bmp[cp];
            foreach (var (cp, n) in other.Astral) System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(Astral, cp, out _) += n;
        }
    }

    /// <summary>The alphabet, asked about every character of every raw word: a flat table for the BMP, a set beyond it.</summary>
    sealed class CharSet
    {
        readonly bool[] _bmp = new bool[0x10000];
        readonly HashSet<int> _astral = [];

        public bool Add(int cp) => cp < 0x10000 ? !_bmp[cp] && (_bmp[cp] = true) : _astral.Add(cp);

        public bool Contains(int cp) => cp < 0x10000 ? _bmp[cp] : _astral.Contains(cp);
    }

    /// <summary>
    /// Cuts text into words and counts each <paramref name="freq"/> times: a word is a maximal run of alphabet
    /// characters (all when <paramref name="alphabet"/> is null), also cut before each "▁" when splitting by whitespace;
    /// a character outside the alphabet ends a word and belongs to none. The text's last word gets
    /// <paramref name="lastEnd"/> as its right context, the others what cut them.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void CutWords(ReadOnlySpan<char> chars, long freq, byte lastEnd, CharSet? alphabet, bool splitByWhitespace, WordTable table)
    {
        int start = 0;
        for (int i = 0; i < chars.Length;)
        {
            char ch = chars[i];
            int len = 1, cp = ch;
            if (char.IsHighSurrogate(ch) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { cp = char.ConvertToUtf32(ch, chars[i + 1]); len = 2; }
            bool known = alphabet == null || alphabet.Contains(cp);
            bool boundary = !known || (splitByWhitespace && cp == MetaChar);
            if (boundary && i > start) table.Count(chars[start..i], freq, cp == MetaChar ? (byte)1 : (byte)2);
            if (boundary) start = known ? i : i + len;
            i += len;
        }
        if (chars.Length > start) table.Count(chars[start..], freq, lastEnd);
    }

    /// <summary>
    /// Distinct words with their frequency and right contexts: open addressing over the words' UTF-16 text, kept in
    /// one growing char arena (no string per occurrence).
    /// </summary>
    sealed class WordTable
    {
        char[] _arena = new char[1 << 16];
        int _arenaUsed;
        int[] _slots = new int[1 << 12]; // entry + 1; 0 = empty
        public int[] Offset = new int[1 << 11], Length = new int[1 << 11], Hash = new int[1 << 11];
        public long[] Freq = new long[1 << 11];
        public byte[] Ends = new byte[1 << 11];
        public int Size;

        public ReadOnlySpan<char> Text(int w) => _arena.AsSpan(Offset[w], Length[w]);

        public void Count(ReadOnlySpan<char> word, long freq, byte end) => Count(word, string.GetHashCode(word), freq, end);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        void Count(ReadOnlySpan<char> word, int hash, long freq, byte end)
        {
            int mask = _slots.Length - 1;
            for (int i = hash & mask; ; i = (i + 1) & mask)
            {
                int e = _slots[i] - 1;
                if (e < 0)
                {
                    e = Insert(word, hash);
                    _slots[i] = e + 1;
                    Freq[e] = freq; Ends[e] = end;
                    if (Size * 2 > _slots.Length) Rehash();
                    return;
                }
                if (Hash[e] == hash && Text(e).SequenceEqual(word)) { Freq[e] += freq; Ends[e] |= end; return; }
            }
        }

        int Insert(ReadOnlySpan<char> word, int hash)
        {
            if (_arenaUsed + word.Length > _arena.Length) Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + word.Length));
            if (Size == Offset.Length)
            {
                int n = Size * 2;
                Array.Resize(ref Offset, n); Array.Resize(ref Length, n); Array.Resize(ref Hash, n); Array.Resize(ref Freq, n); Array.Resize(ref Ends, n);
            }
            word.CopyTo(_arena.AsSpan(_arenaUsed));
            Offset[Size] = _arenaUsed; Length[Size] = word.Length; Hash[Size] = hash;
            _arenaUsed += word.Length;
            return Size++;
        }

        void Rehash()
        {
            _slots = new int[_slots.Length * 2];
            int mask = _slots.Length - 1;
            for (int e = 0; e < Size; e++)
            {
                int i = Hash[e] & mask;
                while (_slots[i] != 0) i = (i + 1) & mask;
                _slots[i] = e + 1;
            }
        }

        /// <summary>Entry indexes in ordinal (UTF-16) order of their text.</summary>
        public int[] OrdinalOrder(int parts)
        {
            var order = new int[Size];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            return ParallelSort.Sort(order, [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] (a, b) => Text(a).SequenceCompareTo(Text(b)), parts);
        }
    }

    public static int[] ToCodePoints(string s) => ToCodePoints(s.AsSpan());

    public static int[] ToCodePoints(ReadOnlySpan<char> s)
    {
        int n = 0;
        for (int i = 0; i < s.Length; i++, n++) if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
        var cps = new int[n];
        int k = 0;
        foreach (var r in s.EnumerateRunes()) cps[k++] = r.Value;
        return cps;
    }

    public static string FromCodePoints(ReadOnlySpan<int> cps)
    {
        var sb = new System.Text.StringBuilder(cps.Length);
        foreach (int c in cps) sb.Append(char.ConvertFromUtf32(c));
        return sb.ToString();
    }
}
