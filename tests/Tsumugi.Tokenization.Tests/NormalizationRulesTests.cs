using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Normalization;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Tests;

/// <summary>Our charsmaps (built from .NET's Unicode data) against the blobs compiled into Debian's spm_train 0.1.97.</summary>
public sealed class NormalizationRulesTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    /// <summary>spm_train's own blob for a rule name, read from a tiny model it trains.</summary>
    byte[] SpmBlob(string rule)
    {
        // A small ASCII text: only the charsmap matters, and spm_train needs room for its alphabet.
        var lines = Enumerable.Range(0, 200).Select(i => $"the quick brown fox {i} jumps over the lazy dog {i * 7}");
        var path = SpmTools.Train(Path.Combine(fx.Dir, "rules"), "rule-" + rule, lines,
            $"--model_type=unigram --vocab_size=100 --hard_vocab_limit=false --normalization_rule_name={rule}");
        return SpmModel.Load(path).NormalizerSpec.PrecompiledCharsmap;
    }

    static string? Rule(PrecompiledCharsMap map, int cp)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(char.ConvertFromUtf32(cp));
        var (len, rep) = map.LongestMatch(bytes);
        return len == bytes.Length ? System.Text.Encoding.UTF8.GetString(rep.Span) : null;
    }

    /// <summary>
    /// Every code point normalizes alone exactly as in spm_train's blob, except characters that spm's (older)
    /// Unicode data did not yet assign: there spm has no rule and ours maps them by this machine's (newer) data.
    /// A differing rule for a character both know, or one spm has and we lack, fails.
    /// </summary>
    [Theory]
    [InlineData("nmt_nfkc")]
    [InlineData("nfkc")]
    [InlineData("nmt_nfkc_cf")]
    public void PrecompiledCharsMap_EveryCodePoint_MatchesSpmTrainBlobExceptNewerUnicode(string rule)
    {
        var spm = new PrecompiledCharsMap(SpmBlob(rule));
        var ours = new PrecompiledCharsMap(CharsMapCompiler.Compile(NormalizationRules.Build(rule))); // built, not cached
        var onlyOurs = new List<int>();
        var conflicts = new List<string>();
        for (int cp = 1; cp <= 0x10FFFF; cp++)
        {
            if (!NormalizationRules.IsUnicodeChar(cp)) continue;
            string? a = Rule(spm, cp), b = Rule(ours, cp);
            if (a == b) continue;
            if (a == null && IsNewerThanSpmUnicode(cp)) onlyOurs.Add(cp);
            else conflicts.Add($"U+{cp:X4}: spm {Show(a)} ours {Show(b)}");
        }
        Assert.True(conflicts.Count == 0, $"{conflicts.Count} code points differ: {string.Join("; ", conflicts.Take(40))}");
        Assert.NotEmpty(onlyOurs); // this machine's ICU is newer than spm's tables; if not, the tolerance is unneeded
    }

    /// <summary>The held-out text (ja/en/code plus edge cases) normalizes byte for byte as with spm_train's nmt_nfkc blob.</summary>
    [Fact]
    public void SpmNormalizer_HeldOutText_SameBytesWithOurAndSpmNmtNfkcBlob()
    {
        SpmNormalizer Make(byte[] blob) => new(new SpmNormalizerSpec { Name = "nmt_nfkc", PrecompiledCharsmap = blob, RemoveExtraWhitespaces = false }, false, null);
        var spm = Make(SpmBlob("nmt_nfkc"));
        var ours = Make(CharsMapCompiler.Compile(NormalizationRules.Build("nmt_nfkc")));
        string[] extra = ["１２３円です。質問：日本の首都は？", "ｶﾞｷﾞｸﾞ ㈱ ㍻ ﬁ Ⅻ ½ ～ ~", "\u1100\u1161\u11A8 \u3131\u314F", "e\u0301 \u212B \u00C5"];
        foreach (var line in fx.HeldOut.Concat(extra))
            Assert.True(spm.Normalize(line).AsSpan().SequenceEqual(ours.Normalize(line)), $"'{line}' normalizes differently");
    }

    [Fact]
    public void Build_NmtNfkc_KeepsFullWidthTildeAndMapsNmtWhitespace()
    {
        var map = NormalizationRules.Build("nmt_nfkc");
        Assert.False(map.ContainsKey("\uFF5E"));
        Assert.Equal(" ", map["\t"]);
        Assert.Equal("", map["\u0001"]);
        Assert.Equal("1", map["１"]);
        Assert.Equal("~", NormalizationRules.Build("nfkc")["\uFF5E"]);
        Assert.Equal("a", NormalizationRules.Build("nmt_nfkc_cf")["Ａ"]);
        Assert.Throws<ArgumentException>(() => NormalizationRules.Build("nfd"));
    }

    static string Show(string? s) => s == null ? "(none)" : string.Join(' ', s.EnumerateRunes().Select(r => $"U+{r.Value:X4}"));

    /// <summary>
    /// Characters first assigned in Unicode 14 or 15 that have compatibility decompositions or simple case foldings:
    /// spm_train 0.1.97's compiled tables are Unicode 13 and leave them alone; ICU 72 (Unicode 15) maps them. Measured:
    /// 121 such code points for nfkc/nmt_nfkc, 161 for nmt_nfkc_cf, all in these ranges.
    /// </summary>
    static bool IsNewerThanSpmUnicode(int cp) => cp is 0x2C2F                   // Glagolitic capital caudate chrivi (14.0)
        or (>= 0xA7C0 and <= 0xA7C1) or (>= 0xA7D0 and <= 0xA7D9)           // Latin Extended-D additions (14.0)
        or (>= 0xA7F2 and <= 0xA7F4)                                        // modifier capital C, F, Q (14.0)
        or (>= 0x10570 and <= 0x105BF)                                      // Vithkuqi (14.0)
        or (>= 0x10780 and <= 0x107BF)                                      // Latin Extended-F (14.0)
        or (>= 0x1E030 and <= 0x1E08F);                                     // Cyrillic Extended-D (15.0)

    [Fact]
    public void GetOrBuild_SecondCallOrDamagedFile_ReadsCacheOrRebuilds()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "charsmap", "x.bin");
        int builds = 0;
        byte[] Build() { builds++; return CharsMapCompiler.Compile(new Dictionary<string, string> { ["Ａ"] = "A" }); }
        var first = CharsMapCache.GetOrBuild(path, Build);
        Assert.Equal(first, CharsMapCache.GetOrBuild(path, Build));
        Assert.Equal(1, builds);
        File.WriteAllBytes(path, [1, 2]); // truncated
        Assert.Equal(first, CharsMapCache.GetOrBuild(path, Build));
        Assert.Equal(2, builds);
        Assert.Contains("nmt_nfkc-v1-net", CharsMapCache.PathFor("nmt_nfkc"));
    }
}
