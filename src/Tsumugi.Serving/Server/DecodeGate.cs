namespace Tsumugi.Serving.Server;

/// <summary>
/// Lets one request decode at a time (the model and its generator are not thread-safe) and refuses new requests once
/// more than <c>maxQueue</c> are already waiting, so a burst gets a fast 429 instead of piling up unbounded.
/// </summary>
public sealed class DecodeGate(int maxQueue)
{
    readonly SemaphoreSlim _decode = new(1, 1);
    int _inside; // running + waiting

    public int MaxQueue { get; } = maxQueue >= 0 ? maxQueue : throw new ArgumentOutOfRangeException(nameof(maxQueue), "max queue must be ≥ 0.");

    /// <summary>The turn to decode, released on dispose; null when the queue is full.</summary>
    public async Task<IDisposable?> TryEnterAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _inside) > MaxQueue + 1)
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
