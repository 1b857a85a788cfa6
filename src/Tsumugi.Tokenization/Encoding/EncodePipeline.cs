namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// <see cref="IdLineEncoder"/> on several threads as a pipeline: the calling thread reads blocks and writes them back
/// in input order, while worker threads encode them. A fixed ring of blocks is recycled, so memory stays flat however
/// long the input: block k is written (and its buffers refilled) only after block k − ring is done.
/// Reading and writing overlap the encoding, and no worker waits for a batch's slowest block (the loop this replaced
/// read a batch, encoded it with Parallel.For, then wrote it).
/// The workers are dedicated threads that sleep on a monitor when idle rather than thread-pool workers, which spin
/// before they sleep: on a 2-core machine that CPU time is taken from the other encoder.
/// </summary>
static class EncodePipeline
{
    /// <summary>Blocks per worker: one being encoded, one queued behind it, one being read or written.</summary>
    const int BlocksPerWorker = 3;

    public static IdLineEncoder.Stats Run(ITokenizer tokenizer, LineBlockReader reader, Stream output, int threads, int blockBytes)
    {
        var ring = new Slot[threads * BlocksPerWorker];
        for (int i = 0; i < ring.Length; i++) ring[i] = new Slot(new LineBlock(blockBytes));
        var queue = new WorkQueue();
        var workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            workers[i] = new Thread(() => queue.Work(tokenizer)) { IsBackground = true, Name = $"encode {i}" };
            workers[i].Start();
        }
        long lines = 0, bytes = 0, next = 0;
        try
        {
            while (true)
            {
                var slot = ring[next % ring.Length];
                if (next >= ring.Length) queue.Flush(slot, output); // block next − ring, the oldest in flight
                if (!reader.Next(slot.Block, lines)) break;
                lines += slot.Block.Lines; bytes += slot.Block.InputLength;
                queue.Post(slot);
                next++;
            }
            for (long k = Math.Max(0, next - ring.Length + 1); k < next; k++) queue.Flush(ring[k % ring.Length], output);
        }
        finally
        {
            queue.Close();
        }
        foreach (var w in workers) w.Join();
        return new IdLineEncoder.Stats(lines, bytes, threads);
    }

    /// <summary>A block and its state in the pipeline (guarded by the queue's lock).</summary>
    sealed class Slot(LineBlock block)
    {
        public readonly LineBlock Block = block;
        public bool Done;
        public Exception? Error;
    }

    /// <summary>Blocks waiting for a worker, and the hand-back of encoded ones; one lock guards both.</summary>
    sealed class WorkQueue
    {
        readonly Queue<Slot> _pending = new();
        bool _closed;

        public void Post(Slot slot)
        {
            lock (_pending)
            {
                slot.Done = false; slot.Error = null;
                _pending.Enqueue(slot);
                Monitor.PulseAll(_pending);
            }
        }

        /// <summary>Waits until <paramref name="slot"/> is encoded, then writes it (or rethrows the worker's error).</summary>
        public void Flush(Slot slot, Stream output)
        {
            lock (_pending)
                while (!slot.Done) Monitor.Wait(_pending);
            if (slot.Error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(slot.Error);
            slot.Block.WriteTo(output);
        }

        /// <summary>No more blocks: idle workers return (after an error, queued blocks are dropped).</summary>
        public void Close()
        {
            lock (_pending)
            {
                _closed = true;
                _pending.Clear();
                Monitor.PulseAll(_pending);
            }
        }

        public void Work(ITokenizer tokenizer)
        {
            while (true)
            {
                Slot slot;
                lock (_pending)
                {
                    while (_pending.Count == 0 && !_closed) Monitor.Wait(_pending);
                    if (_pending.Count == 0) return;
                    slot = _pending.Dequeue();
                }
                Exception? error = null;
                try { slot.Block.Encode(tokenizer); }
                catch (Exception e) { error = e; }
                lock (_pending)
                {
                    slot.Error = error;
                    slot.Done = true;
                    Monitor.PulseAll(_pending);
                }
            }
        }
    }
}
