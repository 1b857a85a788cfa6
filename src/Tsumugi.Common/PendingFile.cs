namespace Tsumugi.Common;

/// <summary>
/// A file being written beside its final path (<c>NAME.RANDOM.tmp</c>, created exclusively, so never through an
/// existing file or symlink). <see cref="Commit"/> publishes it: flush, fsync, rename over the final name, fsync the
/// directory. Disposed without a commit, the temporary is deleted and the final path is untouched.
/// </summary>
public sealed class PendingFile : IDisposable
{
    private readonly FileStream _stream;
    private bool _done;

    internal PendingFile(string path, int bufferSize) : this(path, bufferSize, () => Random.Shared.Next())
    {
    }

    /// <param name="draw">Draws the random part of the temporary name (tests force clashes with it).</param>
    internal PendingFile(string path, int bufferSize, Func<int> draw)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        for (var attempt = 0; ; attempt++)
        {
            TempPath = $"{Path}.{draw():x8}.tmp";
            try
            {
                _stream = new FileStream(TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);
                break;
            }
            catch (IOException) when (File.Exists(TempPath) && attempt < 8)
            {
                // a name clash with another writer's temporary: draw again
            }
        }
    }

    /// <summary>The path the file is published under.</summary>
    public string Path { get; }

    /// <summary>Where the bytes go until <see cref="Commit"/>.</summary>
    public string TempPath { get; private set; } = "";

    public Stream Stream => _stream;

    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        try
        {
            _stream.Flush();
            FileSync.SyncHandle(_stream.SafeFileHandle, TempPath);
            _stream.Dispose();
            File.Move(TempPath, Path, overwrite: true);
            _done = true;
        }
        catch
        {
            Dispose();
            throw;
        }
        FileSync.SyncDirectory(System.IO.Path.GetDirectoryName(Path)!);
    }

    public void Dispose()
    {
        if (_done) return;
        _done = true;
        _stream.Dispose();
        try { File.Delete(TempPath); }
        catch (IOException) { /* best effort: a stray NAME.*.tmp is never read as the file itself */ }
        catch (UnauthorizedAccessException) { }
    }
}
