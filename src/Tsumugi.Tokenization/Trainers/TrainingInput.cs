using System.Text;
using System.Text.Json;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// Reads training text: plain text files (one sentence or paragraph per line) and `.jsonl.zst` / `.jsonl` corpus
/// shards (the `text` field of each line; documents are split into lines). Directories are walked recursively; a
/// directory holding corpus shards (a `corpus clean` output) contributes only its kept shards.
/// Lines longer than the byte limit are split at sentence ends instead of being dropped as spm_train does.
/// </summary>
public static class TrainingInput
{
    public static IEnumerable<string> ExpandPaths(IEnumerable<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                var shards = CorpusShards(input);
                var files = shards.Count > 0 ? shards : Directory.GetFiles(input, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
                foreach (var f in files) yield return f;
            }
            else if (File.Exists(input)) yield return input;
            else throw new FileNotFoundException($"training input not found: {input}; pass text files, .jsonl.zst shards or a directory of them.", input);
        }
    }

    /// <summary>
    /// The kept shards of a corpus-stage output folder (`tsumugi corpus clean` / `dedup`): `*.jsonl.zst` except
    /// `*.rejected.jsonl.zst`, recursively, in ordinal order. Its plan.json, summary.json and *.done.json are bookkeeping,
    /// not text. Same rule as Tsumugi.Corpus.Shards.ShardRecords.Files (not referenced: Tokenization does not depend
    /// on Corpus); keep the two in step. Empty when the folder holds no shards (then it is a folder of text files).
    /// </summary>
    static List<string> CorpusShards(string directory) =>
        Directory.EnumerateFiles(directory, "*.jsonl.zst", SearchOption.AllDirectories)
            .Where(p => !p.EndsWith(".rejected.jsonl.zst", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>Every non-empty line (split to at most <paramref name="maxBytes"/> UTF-8 bytes) of every input.</summary>
    public static IEnumerable<string> ReadSentences(IEnumerable<string> inputs, int maxBytes)
    {
        foreach (var path in ExpandPaths(inputs))
            foreach (var doc in ReadDocuments(path))
                foreach (var line in doc.Contains('\n') ? doc.Split('\n') : [doc]) // a text file's line has none
                {
                    var l = line.TrimEnd('\r');
                    if (l.Length == 0) continue;
                    if (l.Length * 3 <= maxBytes) { yield return l; continue; } // fits whatever its characters (UTF-16 unit ≤ 3 bytes)
                    foreach (var s in SplitLong(l, maxBytes)) if (s.Length > 0) yield return s;
                }
    }

    /// <summary>Texts of one file: each line of a text file, or each `text` field of a JSONL shard.</summary>
    public static IEnumerable<string> ReadDocuments(string path)
    {
        bool jsonl = path.EndsWith(".jsonl", StringComparison.Ordinal) || path.EndsWith(".jsonl.zst", StringComparison.Ordinal);
        Stream stream = File.OpenRead(path);
        if (path.EndsWith(".zst", StringComparison.Ordinal)) stream = new ZstdSharp.DecompressionStream(stream);
        using var input = new Utf8LineReader(stream, path);
        // Lines are split as bytes and decoded one by one so an invalid byte is reported with its exact line.
        while (input.ReadLine() is { } line)
        {
            if (!jsonl) yield return line;
            else if (line.Length > 0) yield return JsonText(path, input.LineNumber, line);
        }
    }

    /// <summary>
    /// Lines of a UTF-8 stream ('\n'-separated; a final line without '\n' counts, an empty one after the last '\n'
    /// does not), decoded strictly: an invalid byte is reported with the file and line number.
    /// </summary>
    sealed class Utf8LineReader(Stream stream, string path) : IDisposable
    {
        static readonly UTF8Encoding Strict = new(false, true);
        byte[] _buffer = new byte[1 << 16];
        int _start, _end;
        bool _eof;
        public int LineNumber { get; private set; }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public string? ReadLine()
        {
            int scanned = 0;
            while (true)
            {
                int nl = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
                if (nl >= 0) return Decode(_start + scanned + nl, 1);
                scanned = _end - _start;
                if (_eof) return scanned == 0 ? null : Decode(_end, 0);
                if (_start > 0) { Array.Copy(_buffer, _start, _buffer, 0, scanned); _end = scanned; _start = 0; }
                if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
                int n = stream.Read(_buffer, _end, _buffer.Length - _end);
                if (n == 0) _eof = true; else _end += n;
            }
        }

        string Decode(int lineEnd, int skip)
        {
            LineNumber++;
            string line;
            try { line = Strict.GetString(_buffer, _start, lineEnd - _start); }
            catch (DecoderFallbackException)
            {
                throw new InvalidDataException($"{path}:{LineNumber}: invalid UTF-8; convert the file to UTF-8 (e.g. with iconv) or clean it with `tsumugi corpus`.");
            }
            _start = lineEnd + skip;
            return line;
        }

        public void Dispose() => stream.Dispose();
    }

    static string JsonText(string path, int lineNo, string line)
    {
        string? text;
        try
        {
            using var doc = JsonDocument.Parse(line);
            text = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{lineNo}: malformed JSON ({e.Message}); each line of a shard must be a JSON object with a \"text\" field.");
        }
        return text ?? throw new InvalidDataException($"{path}:{lineNo}: no string \"text\" field; each line of a shard must be a JSON object with a \"text\" field.");
    }

    /// <summary>Splits a line longer than <paramref name="maxBytes"/> at sentence ends, then hard at character boundaries.</summary>
    public static IEnumerable<string> SplitLong(string line, int maxBytes)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(line) <= maxBytes) { yield return line; yield break; }
        var sb = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            int n = char.IsHighSurrogate(c) && i + 1 < line.Length ? 4 : char.IsLowSurrogate(c) ? 0 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            if (bytes + n > maxBytes && !char.IsLowSurrogate(c)) { yield return sb.ToString(); sb.Clear(); bytes = 0; }
            sb.Append(c); bytes += n;
            bool end = c is '。' or '．' or '！' or '？' or '!' or '?' || (c == '.' && i + 1 < line.Length && line[i + 1] == ' ');
            if (end)
            {
                yield return sb.ToString().Trim(); sb.Clear(); bytes = 0;
            }
        }
        if (sb.Length > 0 && sb.ToString().Trim().Length > 0) yield return sb.ToString().Trim();
    }

    /// <summary>Reservoir-samples <paramref name="size"/> sentences with a fixed seed; all of them, streamed, when 0.</summary>
    public static IEnumerable<string> Sample(IEnumerable<string> sentences, int size, int seed)
    {
        if (size <= 0) return sentences;
        var rng = new Random(seed);
        var kept = new List<string>(size);
        long seen = 0;
        foreach (var s in sentences)
        {
            seen++;
            if (kept.Count < size) kept.Add(s);
            else { long j = rng.NextInt64(seen); if (j < size) kept[(int)j] = s; }
        }
        return kept;
    }
}
