using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// Sorts more fixed-size records than fit in memory: records are buffered up to <c>memoryBytes</c>, each full buffer is
/// sorted and written to a run file in <c>spillDir</c>, and <see cref="Sorted"/> merges the runs (k-way, at most
/// <see cref="MaxFanIn"/> runs at a time, merging into larger runs first when there are more). With no spill the buffer
/// is sorted in place and nothing touches the disk. <see cref="Add"/> is thread-safe.
/// Memory: the buffer (<c>memoryBytes</c>) while adding; while merging, the same budget split over the open runs.
/// </summary>
public sealed class ExternalSorter<T> : IDisposable where T : unmanaged, IComparable<T>
{
    /// <summary>Most runs merged at once (each needs an open file and a read buffer).</summary>
    public const int MaxFanIn = 64;

    readonly string _spillDir;
    readonly string _name;
    readonly long _memoryBytes;
    readonly int _capacity;
    T[] _buffer;
    readonly List<string> _runs = [];
    readonly object _gate = new();
    int _count;
    int _nextRun;

    public ExternalSorter(string spillDir, string name, long memoryBytes)
    {
        _spillDir = spillDir;
        _name = name;
        _memoryBytes = memoryBytes;
        _capacity = (int)Math.Clamp(memoryBytes / Unsafe.SizeOf<T>(), 16, Array.MaxLength / 2);
        _buffer = new T[Math.Min(_capacity, 4096)];  // grows up to the budget: small inputs stay small
    }

    /// <summary>Records added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Sorted runs written to disk so far (0 = everything fit in memory).</summary>
    public int RunsSpilled { get; private set; }

    public void Add(ReadOnlySpan<T> items)
    {
        lock (_gate)
        {
            while (items.Length > 0)
            {
                if (_count == _buffer.Length) Array.Resize(ref _buffer, (int)Math.Min(_capacity, 2L * _buffer.Length));
                int n = Math.Min(items.Length, _buffer.Length - _count);
                items[..n].CopyTo(_buffer.AsSpan(_count));
                _count += n;
                Count += n;
                items = items[n..];
                if (_count == _capacity) Spill();
            }
        }
    }

    void Spill()
    {
        var span = _buffer.AsSpan(0, _count);
        span.Sort();
        _runs.Add(WriteRun(span));
        RunsSpilled++;
        _count = 0;
    }

    string WriteRun(ReadOnlySpan<T> sorted)
    {
        Directory.CreateDirectory(_spillDir);
        var path = Path.Combine(_spillDir, $"{_name}-{_nextRun++:D6}.run");
        using var f = CreateRun(path);
        f.Write(MemoryMarshal.AsBytes(sorted));
        return path;
    }

    /// <summary>
    /// A new run file, created exclusively: a leftover of a killed run under the same name is deleted first (a symlink
    /// is removed, never followed), and anything that appears in between makes the open fail rather than be written through.
    /// </summary>
    static FileStream CreateRun(string path)
    {
        File.Delete(path);
        return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    /// <summary>All records in ascending order. Call once, after the last <see cref="Add"/>.</summary>
    public IEnumerable<T> Sorted()
    {
        if (_runs.Count == 0)
        {
            _buffer.AsSpan(0, _count).Sort();
            for (int i = 0; i < _count; i++) yield return _buffer[i];
            yield break;
        }
        if (_count > 0) Spill();
        _buffer = [];  // the merge's read buffers get the budget
        while (_runs.Count > MaxFanIn)
        {
            var group = _runs.Take(MaxFanIn).ToList();
            _runs.RemoveRange(0, group.Count);
            var merged = Path.Combine(_spillDir, $"{_name}-{_nextRun++:D6}.run");
            using (var f = CreateRun(merged))
            {
                var outBuf = new T[ReaderItems(group.Count + 1)];
                int o = 0;
                foreach (var item in Merge(group))
                {
                    outBuf[o++] = item;
                    if (o == outBuf.Length) { f.Write(MemoryMarshal.AsBytes(outBuf.AsSpan())); o = 0; }
                }
                f.Write(MemoryMarshal.AsBytes(outBuf.AsSpan(0, o)));
            }
            foreach (var r in group) File.Delete(r);
            _runs.Add(merged);
        }
        foreach (var item in Merge(_runs)) yield return item;
    }

    // The read buffers share the memory budget.
    int ReaderItems(int readers) => (int)Math.Clamp(_memoryBytes / Math.Max(1, readers) / Unsafe.SizeOf<T>(), 16, 1 << 20);

    IEnumerable<T> Merge(List<string> runs)
    {
        int items = ReaderItems(runs.Count);
        return RecordFile.Merge(runs.Select(r => RecordFile.Read<T>(r, 0, items)).ToList());
    }

    public void Dispose()
    {
        foreach (var r in _runs) try { File.Delete(r); } catch (IOException) { }
        _runs.Clear();
    }
}
