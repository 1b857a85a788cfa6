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

    /// <summary>
    /// The temporaries under <paramref name="directory"/> (recursively) that writers killed before a commit left
    /// behind, each with the path it was to be published under: <c>NAME.RANDOM.tmp</c> (<see cref="PendingFile"/>) and
    /// <c>NAME.tmp</c> (what Tsumugi's writers used before it). A rerun deletes those of the files it rewrites: its
    /// writer draws a new name, so nothing else would ever remove them.
    /// </summary>
    public static IEnumerable<(string Temporary, string Path)> Leftovers(string directory)
    {
        if (!Directory.Exists(directory)) yield break;
        foreach (var temporary in Directory.EnumerateFiles(directory, "*.tmp", SearchOption.AllDirectories))
        {
            var path = temporary[..^".tmp".Length];
            int dot = path.LastIndexOf('.');
            // PendingFile's random part: 8 lower-case hex digits
            if (dot >= 0 && path.Length - dot - 1 == 8 && !path.AsSpan(dot + 1).ContainsAnyExcept("0123456789abcdef")) path = path[..dot];
            yield return (temporary, path);
        }
    }
}
