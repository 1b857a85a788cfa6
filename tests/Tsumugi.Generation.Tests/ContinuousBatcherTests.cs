using System.Threading.Channels;
using Tsumugi.Generation;

namespace Tsumugi.Generation.Tests;

public sealed class ContinuousBatcherTests(TinyModelFixture fx) : IClassFixture<TinyModelFixture>
{
    static async Task<List<int>> ReadAll(ChannelReader<int> reader)
    {
        var ids = new List<int>();
        await foreach (var id in reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token)) ids.Add(id);
        return ids;
    }

    [Fact]
    public void BadRequestsAreRefusedAtSubmitNotInTheDecodeThread()
    {
        using var batcher = new ContinuousBatcher(fx.Model, maxRows: 2);
        var tooLong = Enumerable.Repeat(3, fx.Model.Config.MaxPositionEmbeddings).ToList();
        Assert.Throws<ArgumentException>(() => batcher.Submit(tooLong, new SamplingOptions { MaxNewTokens = 1 }, []));
        Assert.Throws<ArgumentException>(() => batcher.Submit([1], new SamplingOptions { Temperature = -1 }, []));
        Assert.Throws<ArgumentException>(() => batcher.Submit([], new SamplingOptions(), []));
        Assert.Throws<ArgumentOutOfRangeException>(() => batcher.Submit([1, fx.Model.Config.VocabSize], new SamplingOptions(), []));
    }

    [Fact]
    public async Task TokensEqualTheSingleSequenceSamplerAndAStopIdEndsTheStream()
    {
        using var batcher = new ContinuousBatcher(fx.Model, maxRows: 4);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 10 };
        var prompt = fx.Tokenizer.Encode("東京は");
        var alone = TokenSampler.SampleTokens(fx.Model, prompt, options, []).ToList();
        Assert.Equal(alone, await ReadAll(batcher.Submit(prompt, options, [])));
        var stopAt = alone[4];
        var stopped = await ReadAll(batcher.Submit(prompt, options, [stopAt]));
        Assert.Equal(alone.TakeWhile(id => id != stopAt).Append(stopAt), stopped); // the stop id is delivered, then the end
    }

    [Fact]
    public async Task DisposingEndsRunningAndQueuedRequestsWithAnError()
    {
        var batcher = new ContinuousBatcher(fx.Model, maxRows: 1);
        var long1 = batcher.Submit([1, 5, 6], new SamplingOptions { Temperature = 0, MaxNewTokens = 200 }, []);
        var queued = batcher.Submit([1, 7], new SamplingOptions { Temperature = 0, MaxNewTokens = 200 }, []);
        await long1.ReadAsync(); // running
        batcher.Dispose();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadAll(long1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadAll(queued));
        Assert.Throws<ObjectDisposedException>(() => batcher.Submit([1], new SamplingOptions(), []));
    }

    [Fact]
    public async Task AStreamThatIsAbandonedFreesItsRow()
    {
        using var batcher = new ContinuousBatcher(fx.Model, maxRows: 1, fx.Tokenizer.VocabSize);
        var generator = new TextGenerator(fx.Model, fx.Tokenizer) { Batcher = batcher, StopIds = [] };
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 200 };
        using (var cts = new CancellationTokenSource())
        {
            await foreach (var delta in generator.StreamAsync("長い話を", options, cts.Token))
                if (delta.Text.Length > 0) break; // the caller stops reading after the first text
        }
        // With one row, this only completes if the abandoned sequence left the batch.
        var next = generator.StreamAsync("短い", options with { MaxNewTokens = 3 });
        GenerationResult? result = null;
        await foreach (var d in next.WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token)) result = d.Final ?? result;
        Assert.Equal(3, result!.CompletionTokens);
    }
}
