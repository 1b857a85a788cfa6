namespace Tsumugi.Generation.Engine;

/// <summary>
/// KV cache arrays that finished sequences gave back, for the next ones (<see cref="DecodeState.Release"/>). A fresh
/// array's pages are mapped at their first write: every 16 positions each sequence's cache starts a new key block in
/// ~290 fresh pages (125m), a 32-token prompt in twice that, and on this VM those faults were 10–14 ms of a 50 ms
/// 32-row prefill step and 0.5–2 ms of an 8-row decode step. Reused arrays are mapped already, as a server's KV memory
/// should be. Capacities are powers of two (<see cref="DecodeState"/>), so sizes repeat; at most
/// <paramref name="maxBytes"/> are kept.
/// </summary>
sealed class KvArrayPool(long maxBytes)
{
    readonly Dictionary<int, Stack<byte[]>> _free = [];
    long _held;

    /// <summary>A pinned array of exactly <paramref name="bytes"/> (pinned: the kernels prefetch by address); its contents are stale.</summary>
    public byte[] Rent(int bytes)
    {
        lock (_free)
            if (_free.TryGetValue(bytes, out var stack) && stack.Count > 0)
            {
                _held -= bytes;
                return stack.Pop();
            }
        return GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
    }

    public void Return(byte[] array)
    {
        if (array.Length == 0) return;
        lock (_free)
        {
            if (_held + array.Length > maxBytes) return;
            if (!_free.TryGetValue(array.Length, out var stack)) _free[array.Length] = stack = new Stack<byte[]>();
            stack.Push(array);
            _held += array.Length;
        }
    }
}
