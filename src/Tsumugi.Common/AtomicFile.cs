using System.Text;

namespace Tsumugi.Common;

/// <summary>
/// The one way Tsumugi publishes a file: written aside, fsynced, renamed over the final name, directory fsynced.
/// A crash or a full disk at any point leaves either the previous file or the new one, never a torn one.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Starts a file that a streaming writer fills and publishes later with <see cref="PendingFile.Commit"/>.</summary>
    public static PendingFile Create(string path, int bufferSize = 1 << 16) => new(path, bufferSize);

    public static void Write(string path, Action<Stream> write, int bufferSize = 1 << 16)
    {
        using var file = Create(path, bufferSize);
        write(file.Stream);
        file.Commit();
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = Create(path);
        file.Stream.Write(bytes);
        file.Commit();
    }

    /// <summary>UTF-8 without a byte-order mark, as <see cref="File.WriteAllText(string, string?)"/> writes it.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Utf8NoBom.GetBytes(text));
}
