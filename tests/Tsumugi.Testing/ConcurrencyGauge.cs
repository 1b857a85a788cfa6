namespace Tsumugi.Testing;

/// <summary>Counts the calls running now and the most that ever ran at once: what a client's concurrency limit must bound.</summary>
public sealed class ConcurrencyGauge
{
    int _now, _max;

    public int Max => Volatile.Read(ref _max);

    /// <summary>Counts one call in until the returned handle is disposed.</summary>
    public IDisposable Enter()
    {
        var now = Interlocked.Increment(ref _now);
        for (int seen = Volatile.Read(ref _max); now > seen; seen = Volatile.Read(ref _max))
            if (Interlocked.CompareExchange(ref _max, now, seen) == seen) break;
        return new Exit(this);
    }

    sealed class Exit(ConcurrencyGauge gauge) : IDisposable
    {
        int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref gauge._now);
        }
    }
}
