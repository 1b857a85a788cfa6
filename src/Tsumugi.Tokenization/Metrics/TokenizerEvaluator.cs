using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Metrics;

/// <summary>
/// Characters/bytes per token and byte-fallback/unk rates per domain. A domain is a subdirectory of the input
/// directory (ja/, en/, code/ …); files directly in it form the domain named after the directory itself.
/// Characters are Unicode code points; line breaks are not counted.
/// </summary>
public static class TokenizerEvaluator
{
    public static Dictionary<string, List<string>> LoadDomains(string inputDir, int maxLinesPerDomain = 0)
    {
        if (!Directory.Exists(inputDir)) throw new DirectoryNotFoundException($"evaluation input {inputDir} does not exist; pass a directory of text files (subdirectories = domains).");
        var domains = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(inputDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(inputDir, file);
            var domain = rel.Contains(Path.DirectorySeparatorChar) ? rel[..rel.IndexOf(Path.DirectorySeparatorChar)] : Path.GetFileName(Path.GetFullPath(inputDir));
            if (!domains.TryGetValue(domain, out var lines)) domains[domain] = lines = [];
            foreach (var line in TrainingInput.ReadSentences([file], int.MaxValue))
            {
                if (maxLinesPerDomain > 0 && lines.Count >= maxLinesPerDomain) break;
                lines.Add(line);
            }
        }
        if (domains.Values.All(l => l.Count == 0)) throw new InvalidDataException($"no text found under {inputDir}.");
        return new Dictionary<string, List<string>>(domains);
    }

    public static EvalStats Evaluate(ITokenizer tok, string domain, IReadOnlyList<string> lines)
    {
        var ids = tok.EncodeBatch(lines);
        long chars = 0, bytes = 0, tokens = 0, byteTokens = 0, unk = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            chars += lines[i].EnumerateRunes().Count();
            bytes += System.Text.Encoding.UTF8.GetByteCount(lines[i]);
            tokens += ids[i].Length;
            foreach (int id in ids[i])
            {
                if (tok.IsByteFallback(id)) byteTokens++;
                else if (id == tok.UnkId) unk++;
            }
        }
        return new EvalStats(domain, lines.Count, chars, bytes, tokens, byteTokens, unk);
    }
}
