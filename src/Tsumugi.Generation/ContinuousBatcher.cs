using System.Collections.Concurrent;
using System.Threading.Channels;
using Tsumugi.Generation.Engine;
using Tsumugi.Modeling;

namespace Tsumugi.Generation;

/// <summary>
/// Continuous batching for servers: a request joins the running <see cref="DecodeBatch"/> between any two decode steps
/// and leaves as soon as it ends, so concurrent requests share every forward pass (a step for 8 rows costs little
/// more than for 1: the weights are read once) instead of waiting for each other. One dedicated thread owns the
/// model; each caller reads its sampled ids from a channel.
/// </summary>
public sealed class ContinuousBatcher : IDisposable
{
    sealed record Request(IReadOnlyList<int> Prompt, SamplingOptions Options, IReadOnlyCollection<int> StopIds,
        ChannelWriter<int> Tokens, CancellationToken Cancelled);

    readonly LlamaForCausalLM _model;
    readonly int? _vocabLimit;
    readonly DecodeBatch _batch;
    readonly ConcurrentQueue<Request> _pending = new();
    readonly Dictionary<DecodeBatch.Sequence, Request> _running = [];
    readonly SemaphoreSlim _wake = new(0);
    readonly CancellationTokenSource _stop = new();
    readonly Thread _thread;

    /// <param name="maxRows">Sequences decoded together; more requests wait for a free row.</param>
    /// <param name="vocabLimit">Ids at or above it are never sampled (a model's embedding may be padded past the tokenizer).</param>
    /// <param name="engine">The native engine packed from <paramref name="model"/> to decode on, or null for torch.</param>
    public ContinuousBatcher(LlamaForCausalLM model, int maxRows, int? vocabLimit = null, NativeEngine? engine = null)
    {
        _model = model;
        _vocabLimit = vocabLimit;
        _batch = new DecodeBatch(model, maxRows, vocabLimit, engine);
        _thread = new Thread(Loop) { IsBackground = true, Name = "tsumugi-decode" };
        _thread.Start();
    }

    public int MaxRows => _batch.MaxRows;

    /// <summary>
    /// Queues a sequence; bad options or a prompt that does not fit throw here, at once. Its sampled ids (a stop id
    /// included) arrive on the returned reader, which completes when the sequence ends, soon after
    /// <paramref name="cancellationToken"/> fires (the row is freed), or with the error if the model fails.
    /// </summary>
    public ChannelReader<int> Submit(IReadOnlyList<int> prompt, SamplingOptions options, IReadOnlyCollection<int> stopIds,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        TokenSampler.CheckRequest(_model, prompt, options, _vocabLimit);
        var channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _pending.Enqueue(new Request(prompt, options, stopIds, channel.Writer, cancellationToken));
        _wake.Release();
        return channel.Reader;
    }

    void Loop()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Admit();
                if (_batch.Count == 0)
                {
                    _wake.Wait(stop);
                    continue;
                }
                var live = _batch.Live.ToList();
                _batch.Step();
                foreach (var s in live) Deliver(s);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { break; }
            catch (Exception e) { FailRunning(e); } // e.g. out of memory: those requests fail, the server goes on
        }
        var shutdown = new OperationCanceledException("The server is shutting down.");
        FailRunning(shutdown);
        while (_pending.TryDequeue(out var r)) r.Tokens.TryComplete(shutdown);
    }

    /// <summary>Fills free rows from the queue (prefill + first token), after dropping cancelled sequences.</summary>
    void Admit()
    {
        foreach (var (s, r) in _running.Where(p => p.Value.Cancelled.IsCancellationRequested).ToList()) End(s, r, null);
        while (_batch.Count < _batch.MaxRows && _pending.TryDequeue(out var r))
        {
            if (r.Cancelled.IsCancellationRequested)
            {
                r.Tokens.TryComplete();
                continue;
            }
            DecodeBatch.Sequence s;
            try { s = _batch.Join(r.Prompt, r.Options, r.StopIds); }
            catch (Exception e)
            {
                r.Tokens.TryComplete(e);
                continue;
            }
            _running[s] = r;
            Deliver(s);
        }
    }

    void Deliver(DecodeBatch.Sequence s)
    {
        var r = _running[s];
        if (s.Generated > 0) r.Tokens.TryWrite(s.Last);
        if (s.Finished) End(s, r, null);
    }

    void End(DecodeBatch.Sequence s, Request r, Exception? error)
    {
        _batch.Remove(s);
        _running.Remove(s);
        r.Tokens.TryComplete(error);
    }

    void FailRunning(Exception e)
    {
        foreach (var (s, r) in _running.ToList()) End(s, r, e);
    }

    /// <summary>Stops the decode thread; running and queued requests end with an error.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _thread.Join();
        _batch.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }
}
