namespace Tsumugi.Tokenization.Encoding;

/// <summary>UTF-8 helpers with sentencepiece's exact conventions.</summary>
public static class Utf8Util
{
    /// <summary>sentencepiece's OneCharLen: length from the lead byte alone (the input is already valid UTF-8).</summary>
    public static int OneCharLen(byte lead) => (lead >> 4) switch { < 12 => 1, 12 or 13 => 2, 14 => 3, _ => 4 };

    /// <summary>Length of the valid UTF-8 character at the start of <paramref name="s"/>, or 0 when malformed.</summary>
    public static int ValidCharLen(ReadOnlySpan<byte> s)
    {
        if (s.Length == 0) return 0;
        var status = System.Text.Rune.DecodeFromUtf8(s, out _, out int consumed);
        return status == System.Buffers.OperationStatus.Done ? consumed : 0;
    }

    public static readonly System.Text.UTF8Encoding Strict = new(false, true);
}
