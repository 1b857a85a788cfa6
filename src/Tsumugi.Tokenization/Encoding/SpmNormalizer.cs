using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// sentencepiece's Normalizer::Normalize (0.1.97) on UTF-8 bytes: user-defined symbols pass through untouched,
/// then the longest precompiled_charsmap rule (empty map = identity; nmt_nfkc and other maps built by spm_train
/// are supported), malformed bytes become U+FFFD one byte at a time, optional whitespace collapsing, dummy prefix,
/// and ' ' → "▁".
/// </summary>
public sealed class SpmNormalizer
{
    static readonly byte[] Space = " "u8.ToArray();
    static readonly byte[] Meta = "\u2581"u8.ToArray();
    static readonly byte[] Replacement = "\uFFFD"u8.ToArray();

    readonly SpmNormalizerSpec _spec;
    readonly bool _suffix;
    readonly ByteTrie? _userDefined;
    readonly PrecompiledCharsMap? _map;

    public SpmNormalizer(SpmNormalizerSpec spec, bool treatWhitespaceAsSuffix, ByteTrie? userDefined)
    {
        _spec = spec;
        _suffix = treatWhitespaceAsSuffix;
        _userDefined = userDefined;
        if (spec.PrecompiledCharsmap.Length > 0) _map = new PrecompiledCharsMap(spec.PrecompiledCharsmap);
    }

    public byte[] Normalize(string text) => Normalize(System.Text.Encoding.UTF8.GetBytes(text));

    public byte[] Normalize(ReadOnlySpan<byte> input)
    {
        if (IsIdentity && System.Text.Unicode.Utf8.IsValid(input)) return NormalizeIdentity(input);
        var o = new List<byte>(input.Length + input.Length / 4 + 3);
        bool removeExtra = _spec.RemoveExtraWhitespaces;
        if (removeExtra)
        {
            while (input.Length > 0)
            {
                var piece = NormalizePrefixSpan(input, out int len);
                if (!piece.SequenceEqual(Space)) break;
                input = input[len..];
            }
        }
        if (input.Length == 0) return [];
        if (!_suffix && _spec.AddDummyPrefix) o.AddRange(_spec.EscapeWhitespaces ? Meta : Space);
        bool isPrevSpace = removeExtra;
        while (input.Length > 0)
        {
            var sp = NormalizePrefixSpan(input, out int len);
            while (isPrevSpace && sp.Length > 0 && sp[0] == (byte)' ') sp = sp[1..];
            if (sp.Length > 0)
            {
                foreach (byte b in sp)
                {
                    if (_spec.EscapeWhitespaces && b == (byte)' ') o.AddRange(Meta);
                    else o.Add(b);
                }
                isPrevSpace = sp[^1] == (byte)' ';
            }
            input = input[len..];
            if (!removeExtra) isPrevSpace = false;
        }
        if (removeExtra)
        {
            var tail = _spec.EscapeWhitespaces ? Meta : Space;
            while (o.Count >= tail.Length && EndsWith(o, tail)) o.RemoveRange(o.Count - tail.Length, tail.Length);
        }
        if (_suffix && _spec.AddDummyPrefix) o.AddRange(_spec.EscapeWhitespaces ? Meta : Space);
        return [.. o];
    }

    /// <summary>
    /// <see cref="Normalize(ReadOnlySpan{byte})"/> into a reusable buffer (grown as needed) on the fast path, so that
    /// encoding a line allocates nothing; other settings fall back to a fresh array.
    /// </summary>
    internal ReadOnlySpan<byte> Normalize(ReadOnlySpan<byte> input, ref byte[]? buffer)
    {
        if (!IsIdentity || !System.Text.Unicode.Utf8.IsValid(input)) return Normalize(input);
        if (input.Length == 0) return [];
        int need = IdentityLength(input);
        if (buffer == null || buffer.Length < need) buffer = new byte[Math.Max(need, 4096)];
        WriteIdentity(input, buffer);
        return buffer.AsSpan(0, need);
    }

    bool IsIdentity => _map == null && _userDefined == null && !_spec.RemoveExtraWhitespaces && !_suffix && _spec.EscapeWhitespaces;

    /// <summary>
    /// Fast path for the Llama/llm-jp setting (identity map, no user-defined symbols, no whitespace collapsing, valid
    /// UTF-8): the general loop reduces to "dummy prefix, then every ' ' → '▁'".
    /// </summary>
    byte[] NormalizeIdentity(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0) return [];
        var o = new byte[IdentityLength(input)];
        WriteIdentity(input, o);
        return o;
    }

    int IdentityLength(ReadOnlySpan<byte> input) =>
        input.Length + System.MemoryExtensions.Count(input, (byte)' ') * 2 + (_spec.AddDummyPrefix ? 3 : 0);

    // Fully optimized from the first call: a CLI run is too short to wait for tiered JIT.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    void WriteIdentity(ReadOnlySpan<byte> input, Span<byte> o)
    {
        int k = 0;
        if (_spec.AddDummyPrefix) { Meta.CopyTo(o); k = 3; }
        while (input.Length > 0)
        {
            int sp = input.IndexOf((byte)' ');
            var chunk = sp < 0 ? input : input[..sp];
            chunk.CopyTo(o[k..]); k += chunk.Length;
            if (sp < 0) break;
            Meta.CopyTo(o[k..]); k += 3;
            input = input[(sp + 1)..];
        }
    }

    static bool EndsWith(List<byte> o, byte[] t)
    {
        for (int i = 0; i < t.Length; i++) if (o[o.Count - t.Length + i] != t[i]) return false;
        return true;
    }

    ReadOnlySpan<byte> NormalizePrefixSpan(ReadOnlySpan<byte> input, out int consumed)
    {
        if (_userDefined != null)
        {
            int n = _userDefined.LongestPrefix(input);
            if (n > 0) { consumed = n; return input[..n]; }
        }
        if (_map != null)
        {
            var (len, rep) = _map.LongestMatch(input);
            if (len > 0) { consumed = len; return rep.Span; }
        }
        int c = Utf8Util.ValidCharLen(input);
        if (c == 0) { consumed = 1; return Replacement; }
        consumed = c;
        return input[..c];
    }
}
