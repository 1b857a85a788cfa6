using System.Globalization;
using System.Text;

namespace Tsumugi.Tokenization.Normalization;

/// <summary>
/// sentencepiece's normalization rule sets (src/builder.cc), rebuilt from this machine's Unicode data (.NET's
/// string.Normalize, i.e. ICU on Linux) instead of the tables compiled into spm_train: a map from code-point
/// sequences to their replacement, applied by longest match in a single pass (no closure: a replacement is never
/// normalized again, exactly as sentencepiece does).
/// </summary>
public static class NormalizationRules
{
    /// <summary>Rule names `tokenizer train --normalization` accepts (spm_train's --normalization_rule_name).</summary>
    public static readonly string[] Names = ["nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf", "identity"];

    public const string Default = "nmt_nfkc";

    static readonly Dictionary<string, byte[]> Compiled = new(StringComparer.Ordinal);

    /// <summary>
    /// The precompiled_charsmap blob for a rule name (empty for identity): from memory, else the disk cache
    /// (<see cref="CharsMapCache"/>), else built from Unicode data.
    /// </summary>
    public static byte[] PrecompiledCharsMap(string name)
    {
        if (name == "identity") return [];
        lock (Compiled)
        {
            if (Compiled.TryGetValue(name, out var blob)) return blob;
            blob = CharsMapCache.GetOrBuild(CharsMapCache.PathFor(name), () => CharsMapCompiler.Compile(Build(name)));
            Compiled[name] = blob;
            return blob;
        }
    }

    /// <summary>The rule map for a name (Builder::BuildNFKCMap, BuildNmtNFKCMap, BuildNFKC_CFMap, BuildNmtNFKC_CFMap).</summary>
    public static Dictionary<string, string> Build(string name)
    {
        var map = name switch
        {
            "nfkc" or "nfkc_cf" or "nmt_nfkc" or "nmt_nfkc_cf" => BuildNfkc(),
            "identity" => [],
            _ => throw new ArgumentException($"normalization '{name}' is not supported; use one of {string.Join(", ", Names)}."),
        };
        if (name.StartsWith("nmt_", StringComparison.Ordinal))
        {
            MergeNmt(map);
            map = RemoveRedundant(map);
        }
        if (name.EndsWith("_cf", StringComparison.Ordinal))
        {
            MergeCaseFold(map);
            map = RemoveRedundant(map);
        }
        return map;
    }

    /// <summary>
    /// BuildMapInternal(ToNFKC, ToNFKD): every code point whose NFKC differs maps to it; then every multi-character
    /// NFKD that composes to something else maps to its NFKC from each sequence of characters that decompose to its
    /// characters (so "ｶ" + "ﾞ" → "ガ" although neither character alone composes).
    /// </summary>
    static Dictionary<string, string> BuildNfkc()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var decomposed = new HashSet<string>(StringComparer.Ordinal);
        var norm2orig = new Dictionary<int, List<int>>(); // besides itself, which characters decompose to one character
        for (int cp = 1; cp <= 0x10FFFF; cp++)
        {
            if (!MayMap(cp)) continue;
            string s = char.ConvertFromUtf32(cp);
            string nfkd = s.Normalize(NormalizationForm.FormKD);
            if (nfkd == s) continue; // NFKD-stable: NFKC is the same character, and it only maps to itself
            string nfkc = s.Normalize(NormalizationForm.FormKC);
            if (nfkc != s) map[s] = nfkc;
            if (IsOneCodePoint(nfkd))
            {
                int target = char.ConvertToUtf32(nfkd, 0);
                if (!norm2orig.TryGetValue(target, out var list)) norm2orig[target] = list = [];
                list.Add(cp);
            }
            else decomposed.Add(nfkd);
        }
        foreach (var nfkd in decomposed)
        {
            string nfkc = nfkd.Normalize(NormalizationForm.FormKC);
            if (nfkc == nfkd) continue;
            foreach (var orig in ExpandUnnormalized(ToCodePoints(nfkd), norm2orig))
                if (orig != nfkc) map[orig] = nfkc;
        }
        return RemoveRedundant(map);
    }

    static IEnumerable<string> ExpandUnnormalized(int[] nfkd, Dictionary<int, List<int>> norm2orig)
    {
        var results = new List<string> { "" };
        foreach (int c in nfkd)
        {
            var alternatives = norm2orig.TryGetValue(c, out var others) ? others.Prepend(c) : [c];
            results = [.. results.SelectMany(r => alternatives.Select(a => r + char.ConvertFromUtf32(a)))];
        }
        return results;
    }

    /// <summary>MergeNmtMap: more whitespace, C0/C1 controls deleted, FULLWIDTH TILDE kept (its use differs from "~" in Japanese).</summary>
    static void MergeNmt(Dictionary<string, string> map)
    {
        foreach (int cp in new[] { 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD, 0x200C })
            map[char.ConvertFromUtf32(cp)] = " ";
        for (int cp = 0x01; cp <= 0x1F; cp++)
            if (cp is not (0x09 or 0x0A or 0x0C or 0x0D)) map[char.ConvertFromUtf32(cp)] = "";
        foreach (int cp in new[] { 0x7F, 0x8F, 0x9F }) map[char.ConvertFromUtf32(cp)] = "";
        map.Remove("\uFF5E");
    }

    /// <summary>MergeUnicodeCaseFoldMap: fold every replacement, then add a rule for each other character that folds.</summary>
    static void MergeCaseFold(Dictionary<string, string> map)
    {
        foreach (var key in map.Keys.ToList())
            map[key] = string.Concat(ToCodePoints(map[key]).Select(c => char.ConvertFromUtf32(SimpleCaseFold.Fold(c))));
        for (int cp = 1; cp <= 0x10FFFF; cp++)
        {
            if (!MayMap(cp)) continue;
            string s = char.ConvertFromUtf32(cp);
            if (map.ContainsKey(s)) continue;
            int folded = SimpleCaseFold.Fold(cp);
            if (folded != cp) map[s] = char.ConvertFromUtf32(folded);
        }
    }

    /// <summary>
    /// RemoveRedundantMap: keeps a multi-character rule only where the shorter rules applied by longest match do not
    /// already give its replacement, then checks that the kept rules reproduce every rule.
    /// </summary>
    static Dictionary<string, string> RemoveRedundant(Dictionary<string, string> map)
    {
        var keyed = map.Select(kv => (Key: ToCodePoints(kv.Key), kv.Key, kv.Value)).ToList();
        int maxLen = keyed.Max(k => k.Key.Length);
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var k in keyed) if (k.Key.Length == 1) kept[k.Item2] = k.Value;
        for (int len = 2; len <= maxLen; len++)
            foreach (var k in keyed)
                if (k.Key.Length == len && Apply(kept, k.Key, len - 1) != k.Value) kept[k.Item2] = k.Value;
        foreach (var k in keyed)
            if (Apply(kept, k.Key, maxLen) != k.Value)
                throw new InvalidOperationException($"normalization rule U+{k.Key[0]:X4}… is not reproduced by the reduced map; this Unicode data breaks sentencepiece's construction.");
        return kept;
    }

    /// <summary>builder.cc's Normalize: longest rule of at most <paramref name="maxLen"/> characters, else the character itself.</summary>
    static string Apply(Dictionary<string, string> map, int[] src, int maxLen)
    {
        var o = new StringBuilder();
        var key = new StringBuilder();
        for (int i = 0; i < src.Length;)
        {
            int n = Math.Min(maxLen, src.Length - i);
            string? hit = null;
            for (; n > 0; n--)
            {
                key.Clear();
                for (int j = i; j < i + n; j++) key.Append(char.ConvertFromUtf32(src[j]));
                if (map.TryGetValue(key.ToString(), out hit)) break;
            }
            if (hit == null) { o.Append(char.ConvertFromUtf32(src[i])); i++; }
            else { o.Append(hit); i += n; }
        }
        return o.ToString();
    }

    /// <summary>ICU's U_IS_UNICODE_CHAR: a scalar value that is not a noncharacter.</summary>
    internal static bool IsUnicodeChar(int cp) =>
        (cp < 0xD800 || (cp > 0xDFFF && cp <= 0x10FFFF)) && !(cp >= 0xFDD0 && (cp <= 0xFDEF || (cp & 0xFFFE) == 0xFFFE));

    /// <summary>
    /// Unassigned and private-use characters have no decomposition or case mapping, so the scans skip them (most of
    /// the 1.1M code points) without asking ICU. .NET's own tables are newer than or as new as the ICU it runs on.
    /// </summary>
    static bool MayMap(int cp) => IsUnicodeChar(cp) &&
        CharUnicodeInfo.GetUnicodeCategory(cp) is not (UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse);

    static bool IsOneCodePoint(string s) => s.Length == 1 || (s.Length == 2 && char.IsSurrogatePair(s[0], s[1]));

    internal static int[] ToCodePoints(string s)
    {
        var cps = new List<int>(s.Length);
        foreach (var r in s.EnumerateRunes()) cps.Add(r.Value);
        return [.. cps];
    }
}
