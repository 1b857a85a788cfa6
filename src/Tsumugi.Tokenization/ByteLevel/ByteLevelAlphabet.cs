namespace Tsumugi.Tokenization.ByteLevel;

/// <summary>
/// GPT-2's bytes_to_unicode: every byte as a printable character (printable Latin-1 bytes stand for themselves,
/// the other 68 bytes become U+0100…U+0143), so a byte string is a string with no spaces or control characters.
/// </summary>
public static class ByteLevelAlphabet
{
    /// <summary>Byte → its character.</summary>
    public static readonly char[] ByteToChar = Build();

    /// <summary>Character → byte, −1 for characters outside the alphabet (indexed up to U+0143).</summary>
    static readonly short[] CharToByteTable = BuildReverse();

    static char[] Build()
    {
        var map = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + extra++);
        }
        return map;
    }

    static short[] BuildReverse()
    {
        var r = new short[0x144];
        Array.Fill(r, (short)-1);
        for (int b = 0; b < 256; b++) r[ByteToChar[b]] = (short)b;
        return r;
    }

    /// <summary>The byte a character stands for, or −1.</summary>
    public static int CharToByte(char c) => c < CharToByteTable.Length ? CharToByteTable[c] : -1;

    /// <summary>The 256 characters, in code-point order (the order HF's trainer gives the initial alphabet).</summary>
    public static IEnumerable<char> SortedAlphabet() => ByteToChar.Order();

    /// <summary>UTF-8 bytes → their byte-level string.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, b) =>
        {
            for (int i = 0; i < b.Length; i++) span[i] = ByteToChar[b[i]];
        });
    }

    /// <summary>
    /// Appends the bytes of a byte-level token; a character outside the alphabet becomes byte 0, as the JavaScript
    /// library's decoder does (a Uint8Array of undefined), so a foreign vocabulary entry still decodes identically.
    /// </summary>
    public static void AppendBytes(string token, List<byte> bytes)
    {
        foreach (char c in token)
        {
            int b = CharToByte(c);
            bytes.Add(b < 0 ? (byte)0 : (byte)b);
        }
    }
}
