using Tsumugi.Generation.Engine;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Generation.Tests.Engine;

/// <summary>
/// The generation entry points on the native engine: a <see cref="TextGenerator"/> with an engine gives the torch
/// generator's greedy text, and batched decoding (GenerateBatch, the server's ContinuousBatcher) gives each prompt
/// what it gets alone on the engine, sampled with its own seed.
/// </summary>
public sealed class EngineGenerationTests : IDisposable
{
    static readonly string[] Prompts = ["東京は", "むかしむかし、あるところに", "a", "The quick brown fox jumps over", "日本語の文章を書く。"];

    readonly Tsumugi.Tokenization.Encoding.SpmTokenizer _tokenizer = TestTokenizers.ByteFallback();
    readonly LlamaForCausalLM _model;
    readonly NativeEngine _engine;

    public EngineGenerationTests()
    {
        var config = ModelPresets.Get("tiny");
        config.VocabSize = _tokenizer.VocabSize;
        _model = new LlamaForCausalLM(config);
        _model.InitializeWeights(3);
        using (var noGrad = no_grad())
            foreach (var (name, p) in _model.named_parameters())
                if (!name.EndsWith("norm.weight")) p.mul_(10); // clear greedy margins (see NativeEngineTests.TinyModel)
        _model.eval();
        _engine = new NativeEngine(_model, WeightFormat.F32);
    }

    TextGenerator Torch() => new(_model, _tokenizer) { StopIds = [] };

    TextGenerator Native() => new(_model, _tokenizer) { StopIds = [], Engine = _engine };

    [Fact]
    public void GreedyTextEqualsTheTorchGenerator()
    {
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 24 };
        foreach (var prompt in Prompts)
        {
            var expected = Torch().Generate(prompt, options);
            var actual = Native().Generate(prompt, options);
            Assert.Equal(expected.TokenIds, actual.TokenIds);
            Assert.Equal(expected.Text, actual.Text);
        }
    }

    [Fact]
    public void BatchedSampledSequencesEqualEachAlone()
    {
        var g = Native();
        var prompts = Prompts.Select(p => g.EncodePrompt(p)).SelectMany(p => Enumerable.Repeat(p, 2)).ToList(); // repeats reuse the prefill
        var options = prompts.Select((_, i) => new SamplingOptions { Temperature = 1.0, TopK = 20, MaxNewTokens = 3 + i % 9, Seed = 40 + i }).ToList();
        var batched = g.GenerateBatch(prompts, options, batchSize: 4);
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(g.Generate(prompts[i], options[i]).TokenIds, batched[i].TokenIds);
    }

    [Fact]
    public async Task ConcurrentRequestsThroughTheBatcherEqualEachAlone()
    {
        using var batcher = new ContinuousBatcher(_model, 3, _tokenizer.VocabSize, _engine);
        var g = new TextGenerator(_model, _tokenizer) { StopIds = [], Engine = _engine, Batcher = batcher };
        var options = Prompts.Select((_, i) => new SamplingOptions { Temperature = 0.8, MaxNewTokens = 5 + 3 * i, Seed = i }).ToArray();
        var streams = Prompts.Select(async (p, i) =>
        {
            GenerationResult? last = null;
            await foreach (var d in g.StreamAsync(p, options[i])) last = d.Final ?? last;
            return last!;
        }).ToArray();
        var results = await Task.WhenAll(streams);
        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(Native().Generate(Prompts[i], options[i]).TokenIds, results[i].TokenIds);
    }

    [Fact]
    public void ALongPromptJoinsInChunksWhileTheRunningSequenceKeepsDecoding()
    {
        var g = Native();
        var shortPrompt = g.EncodePrompt(Prompts[0]);
        var longPrompt = Enumerable.Range(0, 2 * DecodeBatch.PrefillRowsPerStep + 11).Select(i => 5 + i * 7 % 250).ToList(); // three chunks
        var options = new SamplingOptions { Temperature = 0.9, TopK = 30, MaxNewTokens = 12, Seed = 7 };
        using var batch = new DecodeBatch(_model, 4, _tokenizer.VocabSize, _engine);
        var running = batch.Add(shortPrompt, options, []);
        batch.Step();
        var joining = batch.Join(longPrompt, options with { Seed = 8 }, []);
        Assert.Equal(0, joining.Generated);
        for (int step = 1; step <= 3; step++)
        {
            int before = running.Generated;
            batch.Step();
            Assert.Equal(before + 1, running.Generated); // one token per step, prefill or not
            Assert.Equal(step == 3 ? 1 : 0, joining.Generated); // the first token comes with the prompt's last chunk
        }
        while (batch.Count > 0) batch.Step();
        Assert.Equal(g.Generate(shortPrompt, options).TokenIds, running.Tokens.Skip(running.PromptLength));
        Assert.Equal(g.Generate(longPrompt, options with { Seed = 8 }).TokenIds, joining.Tokens.Skip(joining.PromptLength));
    }

    [Fact]
    public void PromptsJoiningAnIdleBatchShareOneStepUpToItsWidth()
    {
        var g = Native();
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 5 };
        var prompts = Enumerable.Range(0, 3).Select(p => Enumerable.Range(0, DecodeBatch.PrefillRowsPerStep).Select(i => 5 + (i * 7 + p * 13) % 250).ToList()).ToList();
        using var batch = new DecodeBatch(_model, 4, _tokenizer.VocabSize, _engine);
        var joined = prompts.Select(p => batch.Join(p, options, [])).ToList();
        batch.Step(); // nothing decodes yet: the first two prompts fill the step's 64 rows, the third waits
        Assert.Equal([1, 1, 0], joined.Select(s => s.Generated));
        batch.Step(); // two decode rows now run: the third prompt joins within the running streams' budget
        Assert.Equal([2, 2, 1], joined.Select(s => s.Generated));
        while (batch.Count > 0) batch.Step();
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(g.Generate(prompts[i], options).TokenIds, joined[i].Tokens.Skip(joined[i].PromptLength));
    }

    public void Dispose()
    {
        _engine.Dispose();
        _model.Dispose();
    }
}
