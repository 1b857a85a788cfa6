namespace Tsumugi.Generation.Engine;

/// <summary>
/// A fixed set of threads that run one body together: worker 0 is the caller, workers 1…n−1 wait on their own event.
/// A decode step makes ~50 such calls, so the pool is kept instead of Parallel.For's per-call scheduling; with one
/// thread the body simply runs on the caller.
/// </summary>
sealed class WorkerPool : IDisposable
{
    readonly Thread[] _threads;
    readonly ManualResetEventSlim[] _start;
    readonly ManualResetEventSlim _done = new(false);
    Action<int>? _body;
    int _pending;
    Exception? _error;
    volatile bool _stopping;

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "at least one thread");
        Count = threads;
        _start = Enumerable.Range(0, threads).Select(_ => new ManualResetEventSlim(false)).ToArray();
        _threads = Enumerable.Range(1, threads - 1).Select(i => new Thread(() => Work(i)) { IsBackground = true, Name = $"tsumugi-engine-{i}" }).ToArray();
        foreach (var t in _threads) t.Start();
    }

    public int Count { get; }

    /// <summary>Runs <paramref name="body"/>(worker) on every worker and returns when all are done; rethrows a worker's error.</summary>
    public void Run(Action<int> body)
    {
        if (Count == 1)
        {
            body(0);
            return;
        }
        _body = body;
        _error = null;
        _pending = Count - 1;
        _done.Reset();
        for (int i = 1; i < Count; i++) _start[i].Set();
        try { body(0); }
        finally { _done.Wait(); }
        if (_error is { } e) throw new AggregateException("a decode engine worker failed", e);
    }

    /// <summary>Worker <paramref name="worker"/>'s share of [0, <paramref name="items"/>), whole multiples of <paramref name="align"/>.</summary>
    public (int Start, int End) Share(int worker, int items, int align = 4)
    {
        int units = (items + align - 1) / align;
        int start = (int)((long)units * worker / Count) * align, end = (int)((long)units * (worker + 1) / Count) * align;
        return (Math.Min(start, items), Math.Min(end, items));
    }

    void Work(int index)
    {
        while (true)
        {
            _start[index].Wait();
            _start[index].Reset();
            if (_stopping) return;
            try { _body!(index); }
            catch (Exception e) { _error = e; }
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        for (int i = 1; i < Count; i++) _start[i].Set();
        foreach (var t in _threads) t.Join();
        foreach (var e in _start) e.Dispose();
        _done.Dispose();
    }
}
