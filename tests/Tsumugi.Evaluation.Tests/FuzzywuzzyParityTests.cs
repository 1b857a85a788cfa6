using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Evaluation.Metrics;

namespace Tsumugi.Evaluation.Tests;

/// <summary>
/// char_f1 against the real fuzzywuzzy (Debian python3-fuzzywuzzy 0.18 + python3-levenshtein, installed by
/// scripts/install-test-deps.sh), over hand-picked mixed Japanese/English pairs and seeded random ones.
/// </summary>
public sealed class FuzzywuzzyParityTests
{
    const string Script = """
        import json, sys
        from fuzzywuzzy import fuzz
        pairs = json.load(sys.stdin)
        json.dump([fuzz.token_sort_ratio(a, b) for a, b in pairs], sys.stdout)
        """;

    static readonly string[] Texts =
    [
        "「東京タワー」です。", "東京タワー", "Tokyo Tower（東京タワー）", "答えは「GPT-4」。", "GPT-4", "The Tokyo Tower.",
        "明治34年（1901年）", "1901年", "坊っちゃん（夏目漱石）", "夏目漱石", "NHK・BS", "NHK BS", "iPhone 15 Pro", "アイフォーン15",
        "『吾輩は猫である』", "ＡＢＣ　ｄｅｆ", "abc def", "café au lait", "snake_case_name", "𠮷野家の牛丼", "吉野家 牛丼",
        "ΑΣ ΟΔΟΣ", "İstanbul", "① ② ③", "ｶﾀｶﾅ ﾃｽﾄ", "", "。", "ー々〆", "Ⅻ章", "x² + y²", "🍣と🍺", "a\tb\nc",
    ];

    [Fact]
    public void TokenSortRatio_MixedAndRandomPairs_EqualsRealFuzzywuzzy()
    {
        var pairs = Texts.SelectMany(a => Texts.Select(b => (a, b))).ToList();
        var random = new Random(16);
        const string alphabet = "あいうアイウ東京都ーabcABC123 ・、。「」()_-éÉ×ΣσİŁ𠮷🍣";
        var runes = alphabet.EnumerateRunes().Select(r => r.ToString()).ToArray();
        string RandomText() => string.Concat(Enumerable.Range(0, random.Next(0, 14)).Select(_ => runes[random.Next(runes.Length)]));
        for (int i = 0; i < 400; i++) pairs.Add((RandomText(), RandomText()));

        var expected = RunFuzzywuzzy(pairs);
        var mismatches = new List<string>();
        int ties = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            var (a, b) = pairs[i];
            // Debian's python3-levenshtein (0.12) computes the ratio as (lensum − dist)/lensum, llm-jp-eval's (≥ 0.21)
            // as 1 − dist/lensum; they round an exact half differently (TokenSortRatio_HalfwayScore_… covers it).
            if (IsExactHalf(a, b))
            {
                ties++;
                continue;
            }
            int actual = CharF1.TokenSortRatio(a, b);
            if (actual != expected[i]) mismatches.Add($"({JsonSerializer.Serialize(a)}, {JsonSerializer.Serialize(b)}): fuzzywuzzy {expected[i]}, Tsumugi {actual}");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {pairs.Count - ties} pairs differ:\n" + string.Join("\n", mismatches.Take(20)));
    }

    /// <summary>Whether 100·2·LCS/lensum is exactly k + ½ for the processed strings.</summary>
    static bool IsExactHalf(string a, string b)
    {
        var (x, y) = (Processed(a), Processed(b));
        if (x.Length == 0 || y.Length == 0 || x.SequenceEqual(y)) return false;
        long twice = 400L * Lcs.Length(x, y); // 2 · 100 · 2·LCS
        int lensum = x.Length + y.Length;
        return twice % lensum == 0 && twice / lensum % 2 == 1;
    }

    static int[] Processed(string s) =>
        string.Join(' ', CharF1.FullProcess(s).Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal))
            .EnumerateRunes().Select(r => r.Value).ToArray();

    static int[] RunFuzzywuzzy(List<(string A, string B)> pairs)
    {
        var psi = new ProcessStartInfo(PythonWithFuzzywuzzy(), ["-c", Script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(JsonSerializer.Serialize(pairs.Select(x => new[] { x.A, x.B })));
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"fuzzywuzzy failed: {error.Result}");
        return JsonSerializer.Deserialize<int[]>(output)!;
    }

    // Debian's packages serve /usr/bin/python3; a python3 earlier on PATH (pyenv, a venv) may lack them.
    static string PythonWithFuzzywuzzy()
    {
        foreach (var exe in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo(exe, ["-c", "import fuzzywuzzy, Levenshtein"]) { RedirectStandardError = true })!;
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode == 0) return exe;
            }
            catch (Win32Exception)
            {
                // not installed; try the next
            }
        }
        throw new InvalidOperationException("no python3 with fuzzywuzzy and Levenshtein (tried python3 on PATH and /usr/bin/python3); run scripts/install-test-deps.sh");
    }
}
