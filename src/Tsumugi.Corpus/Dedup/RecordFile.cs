using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tsumugi.Common;

namespace Tsumugi.Corpus.Dedup;

/// <summary>
/// Files of fixed-size dedup records (<see cref="ExactRecord"/>, <see cref="BandRecord"/>): raw little-endian structs,
/// sorted — the runs <see cref="ExternalSorter{T}"/> spills and merges, and the files the distributed stages pass on
/// (published atomically). Sorted files allow a binary search for the first record of a key range, so a buckets task
/// reads only its slice of every signature file.
/// </summary>
public static class RecordFile
{
    const int BufferRecords = 1 << 14;

    /// <summary>Writes <paramref name="records"/> to <paramref name="path"/> (aside, then renamed); returns how many.</summary>
    public static long Write<T>(string path, IEnumerable<T> records) where T : unmanaged
    {
        long n = 0;
        AtomicFile.Write(path, stream =>
        {
            var buf = new T[BufferRecords];
            int o = 0;
            foreach (var r in records)
            {
                buf[o++] = r;
                n++;
                if (o == buf.Length) { stream.Write(MemoryMarshal.AsBytes(buf.AsSpan())); o = 0; }
            }
            stream.Write(MemoryMarshal.AsBytes(buf.AsSpan(0, o)));
        });
        return n;
    }

    public static long Count<T>(string path) where T : unmanaged
    {
        long bytes = new FileInfo(path).Length;
        int size = Unsafe.SizeOf<T>();
        if (bytes % size != 0) throw new InvalidDataException($"dedup record file '{path}' is truncated ({bytes} bytes is not a whole number of {size}-byte records); rerun the dedup (stage) that wrote it");
        return bytes / size;
    }

    /// <summary>The records from index <paramref name="start"/> on, streamed through a buffer of <paramref name="bufferRecords"/>.</summary>
    public static IEnumerable<T> Read<T>(string path, long start = 0, int bufferRecords = BufferRecords) where T : unmanaged
    {
        long count = Count<T>(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        file.Position = start * Unsafe.SizeOf<T>();
        var buf = new T[(int)Math.Clamp(count - start, 1, Math.Max(1, bufferRecords))];
        while (true)
        {
            int n = Fill(file, buf, path);
            for (int i = 0; i < n; i++) yield return buf[i];
            if (n < buf.Length) yield break;
        }
    }

    static int Fill<T>(FileStream file, T[] buf, string path) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(buf.AsSpan());
        int read = file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read % Unsafe.SizeOf<T>() != 0) throw new InvalidDataException($"dedup record file '{path}' is truncated; rerun the dedup (stage) that wrote it");
        return read / Unsafe.SizeOf<T>();
    }

    /// <summary>Index of the first record for which <paramref name="atOrAbove"/> holds (it must be monotone over the file).</summary>
    public static long LowerBound<T>(string path, Func<T, bool> atOrAbove) where T : unmanaged
    {
        long lo = 0, hi = Count<T>(path);
        if (hi == 0) return 0;
        using var handle = File.OpenHandle(path);
        var one = new T[1];
        var bytes = MemoryMarshal.AsBytes(one.AsSpan());
        while (lo < hi)
        {
            long mid = lo + (hi - lo) / 2;
            RandomAccess.Read(handle, bytes, mid * bytes.Length);
            if (atOrAbove(one[0])) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    /// <summary>K-way merge of ascending streams into one ascending stream.</summary>
    public static IEnumerable<T> Merge<T>(IReadOnlyList<IEnumerable<T>> sources) where T : IComparable<T>
    {
        var readers = sources.Select(s => s.GetEnumerator()).ToList();
        try
        {
            var queue = new PriorityQueue<int, T>();
            for (int i = 0; i < readers.Count; i++)
                if (readers[i].MoveNext()) queue.Enqueue(i, readers[i].Current);
            while (queue.TryDequeue(out int i, out var item))
            {
                yield return item;
                if (readers[i].MoveNext()) queue.Enqueue(i, readers[i].Current);
            }
        }
        finally
        {
            foreach (var r in readers) r.Dispose();
        }
    }

    /// <summary>The records of every run of two or more equal keys in an ascending stream (the only ones that decide anything).</summary>
    public static IEnumerable<T> Repeated<T>(IEnumerable<T> sorted, Func<T, T, bool> sameKey)
    {
        var group = new List<T>();
        foreach (var r in sorted)
        {
            if (group.Count > 0 && !sameKey(group[0], r))
            {
                if (group.Count > 1) foreach (var g in group) yield return g;
                group.Clear();
            }
            group.Add(r);
        }
        if (group.Count > 1) foreach (var g in group) yield return g;
    }
}
