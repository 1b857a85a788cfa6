namespace Tsumugi.Serving.Server;

/// <summary>
/// Lets <c>maxConcurrent</c> requests decode at once (the rows of the continuous batch) and refuses new requests once
/// more than <c>maxQueue</c> are already waiting, so a burst gets a fast 429 instead of piling up unbounded.
/// </summary>
public sealed class DecodeGate(int maxConcurrent, int maxQueue)
{
    readonly SemaphoreSlim _decode = new(
        maxConcurrent > 0 ? maxConcurrent : throw new ArgumentOutOfRangeException(nameof(maxConcurrent), "at least one request must be able to decode."));
    int _inside; // running + waiting

    public int MaxConcurrent { get; } = maxConcurrent;
    public int MaxQueue { get; } = maxQueue >= 0 ? maxQueue : throw new ArgumentOutOfRangeException(nameof(maxQueue), "max queue must be ≥ 0.");

    /// <summary>The turn to decode, released on dispose; null when the queue is full.</summary>
    public async Task<IDisposable?> TryEnterAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _inside) > MaxConcurrent + MaxQueue)
        {
            Interlocked.Decrement(ref _inside);
            return null;
        }
        try
        {
            await _decode.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref _inside);
            throw;
        }
        return new Turn(this);
    }

    sealed class Turn(DecodeGate gate) : IDisposable
    {
        int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            gate._decode.Release();
            Interlocked.Decrement(ref gate._inside);
        }
    }
}
