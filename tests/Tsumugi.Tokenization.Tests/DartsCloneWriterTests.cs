using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Normalization;

namespace Tsumugi.Tokenization.Tests;

public sealed class DartsCloneWriterTests
{
    [Fact]
    public void Compile_RandomRules_LongestMatchAgreesWithBruteForce()
    {
        var rng = new Random(7);
        var rules = new Dictionary<string, string>(StringComparer.Ordinal);
        string alphabet = "abcあいう漢字ｶﾞ😀";
        while (rules.Count < 3000)
        {
            int len = 1 + rng.Next(5);
            var key = string.Concat(Enumerable.Range(0, len).Select(_ => System.Globalization.StringInfo.GetNextTextElement(alphabet, PickStart(alphabet, rng))));
            rules[key] = rng.Next(4) == 0 ? "" : "r" + rng.Next(500);
        }
        var map = new PrecompiledCharsMap(CharsMapCompiler.Compile(rules));
        var keysUtf8 = rules.ToDictionary(kv => Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(kv.Key)), kv => kv.Value);
        for (int trial = 0; trial < 5000; trial++)
        {
            var text = string.Concat(Enumerable.Range(0, 1 + rng.Next(7)).Select(_ => System.Globalization.StringInfo.GetNextTextElement(alphabet, PickStart(alphabet, rng))));
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            int expectLen = 0; string? expect = null;
            for (int n = 1; n <= bytes.Length; n++)
                if (keysUtf8.TryGetValue(Convert.ToHexString(bytes, 0, n), out var v)) { expectLen = n; expect = v; }
            var (len, rep) = map.LongestMatch(bytes);
            Assert.Equal(expectLen, len);
            if (expect != null) Assert.Equal(expect, System.Text.Encoding.UTF8.GetString(rep.Span));
        }
    }

    [Fact]
    public void Build_AnyKeys_PadsToWholeBlocksSoUncheckedReadersStayInBounds()
    {
        var units = DartsCloneWriter.Build([("\u00e9"u8.ToArray(), 0), ("x"u8.ToArray(), 5)]);
        Assert.Equal(0, units.Length % 256);
        Assert.Throws<ArgumentException>(() => DartsCloneWriter.Build([("a\0b"u8.ToArray(), 0)]));
    }

    static int PickStart(string s, Random rng)
    {
        var starts = System.Globalization.StringInfo.ParseCombiningCharacters(s);
        return starts[rng.Next(starts.Length)];
    }
}
