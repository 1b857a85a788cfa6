using System.Runtime.CompilerServices;

namespace Tsumugi.Dashboard;

/// <summary>
/// Reads a JSON-lines file that another process is appending to, a little at a time: each call hands over the whole
/// lines written since the last one and moves <see cref="Offset"/> past them. A last line without its newline (the
/// writer is mid-line, or was killed there) is left for a later call, so it is never parsed half-written. A file that
/// became shorter than the offset was rewritten: reading starts again from 0 and the caller is told to drop what it had.
/// </summary>
public sealed class JsonLinesTail(string path)
{
    const int ChunkBytes = 1 << 16;

    public string Path { get; } = path;

    /// <summary>Bytes consumed: the position just after the last whole line handed over.</summary>
    public long Offset { get; private set; }

    /// <summary>Starts from <paramref name="offset"/> (e.g. the offset a client already has); clamped to 0 when negative.</summary>
    public JsonLinesTail(string path, long offset) : this(path) => Offset = Math.Max(0, offset);

    /// <summary>
    /// Calls <paramref name="onLine"/> for each whole line appended since the last call (newline and a trailing CR
    /// removed; blank lines skipped). When the file had shrunk, <paramref name="onReset"/> runs first and reading
    /// restarts from the beginning; returns true then.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // its loop runs once over a whole 100 MB file on the first read
    public bool ReadNew(LineHandler onLine, Action? onReset = null)
    {
        FileStream stream;
        try { stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan); }
        catch (FileNotFoundException) { return false; }
        catch (DirectoryNotFoundException) { return false; }
        using (stream)
        {
            var length = stream.Length;
            var reset = length < Offset;
            if (reset)
            {
                Offset = 0;
                onReset?.Invoke();
            }
            if (length == Offset) return reset;
            stream.Position = Offset;
            var buffer = new byte[(int)Math.Min(ChunkBytes, length - Offset)];
            var filled = 0; // bytes in buffer not yet handed over (the start of an unfinished line)
            long position = Offset;
            while (position < length)
            {
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2); // one line longer than the buffer
                var read = stream.Read(buffer, filled, (int)Math.Min(buffer.Length - filled, length - position));
                if (read == 0) break;
                position += read;
                filled += read;
                var start = 0;
                int newline;
                while ((newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0)
                {
                    var end = newline > start && buffer[newline - 1] == '\r' ? newline - 1 : newline;
                    if (end > start) onLine(buffer.AsSpan(start, end - start));
                    start = newline + 1;
                }
                Offset += start;
                Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
            }
            return reset;
        }
    }

    public delegate void LineHandler(ReadOnlySpan<byte> line);
}
