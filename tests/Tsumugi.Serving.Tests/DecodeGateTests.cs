using Tsumugi.Serving.Server;

namespace Tsumugi.Serving.Tests;

public sealed class DecodeGateTests
{
    [Fact]
    public async Task OneDecodesAtATimeAndRequestsBeyondTheQueueAreRefused()
    {
        var gate = new DecodeGate(maxConcurrent: 1, maxQueue: 1);
        var first = await gate.TryEnterAsync(CancellationToken.None);
        Assert.NotNull(first);
        var waiting = gate.TryEnterAsync(CancellationToken.None); // queued behind the first
        Assert.False(waiting.IsCompleted);
        Assert.Null(await gate.TryEnterAsync(CancellationToken.None)); // the queue (1) is full
        first.Dispose();
        var second = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(second);
        var third = gate.TryEnterAsync(CancellationToken.None); // room again in the queue
        Assert.False(third.IsCompleted);
        second.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(5)))!.Dispose();
    }

    [Fact]
    public async Task UpToMaxConcurrentDecodeTogether()
    {
        var gate = new DecodeGate(maxConcurrent: 2, maxQueue: 0);
        using var a = await gate.TryEnterAsync(CancellationToken.None);
        using var b = await gate.TryEnterAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)); // no waiting
        Assert.NotNull(b);
        Assert.Null(await gate.TryEnterAsync(CancellationToken.None)); // 2 decoding, no queue
    }

    [Fact]
    public async Task ACancelledWaiterLeavesItsPlaceInTheQueue()
    {
        var gate = new DecodeGate(maxConcurrent: 1, maxQueue: 1);
        using var first = await gate.TryEnterAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = gate.TryEnterAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        var again = gate.TryEnterAsync(CancellationToken.None);
        Assert.False(again.IsCompleted); // queued, not refused: the cancelled one freed its place
        first!.Dispose();
        (await again.WaitAsync(TimeSpan.FromSeconds(5)))!.Dispose();
    }
}
