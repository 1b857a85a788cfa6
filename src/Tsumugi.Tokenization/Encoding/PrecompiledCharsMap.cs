namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// sentencepiece's precompiled_charsmap: uint32 trie size, a darts-clone double-array trie over UTF-8 bytes, then
/// NUL-terminated replacement strings. Each trie value is the offset of its replacement. Matching is longest-prefix.
/// </summary>
public sealed class PrecompiledCharsMap
{
    readonly uint[] _units;
    readonly byte[] _normalized;

    public PrecompiledCharsMap(byte[] blob)
    {
        if (blob.Length < 4) throw new InvalidDataException("precompiled_charsmap is shorter than its 4-byte header");
        uint trieSize = BitConverter.ToUInt32(blob, 0);
        if (trieSize % 4 != 0 || 4 + trieSize > blob.Length) throw new InvalidDataException("precompiled_charsmap trie size is out of range");
        _units = new uint[trieSize / 4];
        Buffer.BlockCopy(blob, 4, _units, 0, (int)trieSize);
        _normalized = blob[(int)(4 + trieSize)..];
    }

    static bool HasLeaf(uint u) => ((u >> 8) & 1) == 1;
    static uint Value(uint u) => u & ((1u << 31) - 1);
    static uint Label(uint u) => u & ((1u << 31) | 0xFF);
    static uint Offset(uint u) => (u >> 10) << (int)((u & (1u << 9)) >> 6);

    /// <summary>Longest rule matching at the start of <paramref name="input"/>: (consumed bytes, replacement) or (0, empty).</summary>
    public (int Length, ReadOnlyMemory<byte> Replacement) LongestMatch(ReadOnlySpan<byte> input)
    {
        if (_units.Length == 0) return (0, default);
        uint nodePos = Offset(_units[0]);
        int bestLen = 0; uint bestValue = 0;
        for (int i = 0; i < input.Length; i++)
        {
            nodePos ^= input[i];
            if (nodePos >= _units.Length) break;
            uint unit = _units[nodePos];
            if (Label(unit) != input[i]) break;
            nodePos ^= Offset(unit);
            if (nodePos >= _units.Length) break;
            if (HasLeaf(unit)) { bestLen = i + 1; bestValue = Value(_units[nodePos]); }
        }
        if (bestLen == 0) return (0, default);
        int start = (int)bestValue, end = start;
        while (end < _normalized.Length && _normalized[end] != 0) end++;
        return (bestLen, _normalized.AsMemory(start, end - start));
    }
}
