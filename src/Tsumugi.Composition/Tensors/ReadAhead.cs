using System.Collections.Concurrent;

namespace Tsumugi.Composition.Tensors;

/// <summary>
/// A two-stage pipeline over a list of tensors: a background thread reads the inputs of the next tensor into a free
/// buffer set while the caller computes and writes the current one. Two sets at most: one sized for the largest
/// tensor, and — when some tensor needs a third of that or less — a small one sized for the largest such tensor. A
/// tensor takes the set its predecessor did not, when it fits; two large tensors in a row share the large set and do
/// not overlap. The buffers held at once are therefore the largest set plus at most a third of it
/// (<see cref="BufferBytes"/>), and they are allocated once for the whole run.
/// </summary>
public sealed class ReadAhead<T> : IDisposable
{
    /// <summary>One tensor's buffers: its inputs and its result (float32, at least the tensor's element count each).</summary>
    public sealed class Set(int inputs, long elements)
    {
        public float[][] Inputs { get; } = Enumerable.Range(0, inputs).Select(_ => EarlyWriteback.Allocate((int)elements)).ToArray();
        public float[] Result { get; } = EarlyWriteback.Allocate((int)elements);
        public long Elements => elements;
        internal SemaphoreSlim Free { get; } = new(1, 1);
    }

    readonly IReadOnlyList<T> _items;
    readonly Set[] _assigned;
    readonly BlockingCollection<(int Index, Exception? Error)> _ready = new();
    readonly CancellationTokenSource _stop = new();
    readonly Thread _reader;
    int _next;

    /// <summary>Bytes of all buffers: what the pipeline holds at any time.</summary>
    public long BufferBytes { get; }

    /// <param name="items">The tensors in the order the caller will take them.</param>
    /// <param name="elements">The elements a tensor's buffers must hold.</param>
    /// <param name="fill">Reads a tensor's inputs into a set (runs on the reader thread).</param>
    public ReadAhead(IReadOnlyList<T> items, Func<T, long> elements, int inputs, Action<T, Set> fill)
    {
        _items = items;
        long largest = items.Max(elements);
        long small = items.Select(elements).Where(e => e * 3 <= largest).DefaultIfEmpty(0).Max();
        var big = new Set(inputs, largest);
        var sets = small > 0 ? new[] { big, new Set(inputs, small) } : [big];
        BufferBytes = sets.Sum(s => (inputs + 1) * s.Elements * sizeof(float));
        _assigned = new Set[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var other = i > 0 && _assigned[i - 1] == big && sets.Length > 1 ? sets[1] : big;
            _assigned[i] = elements(items[i]) <= other.Elements ? other : big;
        }
        _reader = new Thread(() => Read(fill)) { IsBackground = true, Name = "merge read-ahead" };
        _reader.Start();
    }

    void Read(Action<T, Set> fill)
    {
        for (int i = 0; i < _items.Count; i++)
        {
            try
            {
                _assigned[i].Free.Wait(_stop.Token);
                fill(_items[i], _assigned[i]);
                _ready.Add((i, null));
            }
            catch (OperationCanceledException) { return; }
            catch (Exception e)
            {
                _ready.Add((i, e));
                return;
            }
        }
    }

    /// <summary>The next tensor and its set, its inputs read; errors of the reader surface here. Give the set back with
    /// <see cref="Release"/> once its result is written.</summary>
    public (T Item, Set Set) Next()
    {
        var (index, error) = _ready.Take();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw(); // as the reader threw it
        if (index != _next++) throw new InvalidOperationException("read-ahead out of order");
        return (_items[index], _assigned[index]);
    }

    public void Release(Set set) => set.Free.Release();

    public void Dispose()
    {
        _stop.Cancel();
        _reader.Join();
        _stop.Dispose();
        _ready.Dispose();
    }
}
