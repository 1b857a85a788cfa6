using Tsumugi.Generation.Engine;
using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Generation.Tests.Engine;

/// <summary>
/// The native engine against the torch model it was packed from: at f32 the same logits (to float rounding) and the
/// same greedy tokens; f16/bf16/Q8_0 within stated bounds of f32; a batched step equal to each row decoded alone.
/// </summary>
public sealed class NativeEngineTests
{
    static readonly int[][] Prompts = [[1, 17, 300, 42, 999], [1, 5], [1, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211], [1]];

    /// <summary>
    /// A tiny random model with weights 10× HF's init: logits spread over several units, so greedy choices are decided
    /// by clear margins rather than by float rounding (HF's 0.02 init gives near-ties a last-bit change can flip).
    /// </summary>
    static LlamaForCausalLM TinyModel(string preset = "tiny", Action<LlamaConfig>? edit = null)
    {
        var config = ModelPresets.Get(preset);
        edit?.Invoke(config);
        var model = new LlamaForCausalLM(config);
        model.InitializeWeights(7);
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (!name.EndsWith("norm.weight")) p.mul_(10);
        model.eval();
        return model;
    }

    static float[] TorchLogits(LlamaForCausalLM model, int[] prompt)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(prompt.Select(i => (long)i).ToArray(), [1, prompt.Length]);
        return model.Forward(ids).Logits[0, -1].data<float>().ToArray();
    }

    static float[] EngineLogits(NativeEngine engine, int[] prompt)
    {
        var logits = new float[engine.Config.VocabSize];
        engine.Prefill(engine.NewState(), prompt, logits);
        return logits;
    }

    static float MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    static float Spread(float[] a)
    {
        float mean = a.Average();
        return MathF.Sqrt(a.Select(v => (v - mean) * (v - mean)).Average());
    }

    [Theory]
    [InlineData("tiny")]        // GQA 4/2, tied embeddings
    [InlineData("tiny-qwen2")]  // q/k/v biases
    [InlineData("mistral")]     // untied head, a sliding window shorter than the prompts
    public void F32LogitsEqualTheTorchModel(string preset)
    {
        using var model = preset == "mistral"
            ? TinyModel("tiny", c => { c.ModelType = "mistral"; c.SlidingWindow = 4; c.TieWordEmbeddings = false; })
            : TinyModel(preset);
        using var engine = new NativeEngine(model, WeightFormat.F32);
        foreach (var prompt in Prompts)
        {
            var expected = TorchLogits(model, prompt);
            var actual = EngineLogits(engine, prompt);
            Assert.True(Spread(expected) > 1, "the test model's logits should be spread out");
            Assert.True(MaxDifference(expected, actual) < 1e-4f * Spread(expected), $"prompt of {prompt.Length}: max |Δ| {MaxDifference(expected, actual)}");
        }
    }

    [Fact]
    public void F32GreedyTokensEqualTheTorchGenerator()
    {
        using var model = TinyModel();
        using var engine = new NativeEngine(model, WeightFormat.F32);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 40 };
        foreach (var prompt in Prompts)
        {
            var expected = TokenSampler.SampleTokens(model, prompt, options, []).ToList();
            var state = engine.NewState();
            var logits = new float[model.Config.VocabSize];
            engine.Prefill(state, prompt, logits);
            var actual = new List<int>();
            for (int i = 0; i < options.MaxNewTokens; i++)
            {
                int next = Array.IndexOf(logits, logits.Max());
                actual.Add(next);
                engine.Decode([state], [next], logits);
            }
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>
    /// Weight formats against f32 logits, in units of the logits' spread: f16 and bf16 round each weight (2⁻¹¹ and
    /// 2⁻⁸ relative), Q8_0 (1/254 of each block's largest weight) also the activations entering each projection. The
    /// largest of 1,024 logit errors is compared, so the bounds sit well above the typical error (Q8_0 measured 0.22).
    /// </summary>
    [Theory]
    [InlineData(WeightFormat.F16, 0.01)]
    [InlineData(WeightFormat.BF16, 0.08)]
    [InlineData(WeightFormat.Q8_0, 0.35)]
    public void QuantizedLogitsStayCloseToF32(WeightFormat format, double bound)
    {
        using var model = TinyModel();
        using var reference = new NativeEngine(model, WeightFormat.F32);
        using var engine = new NativeEngine(model, format);
        foreach (var prompt in Prompts)
        {
            var expected = EngineLogits(reference, prompt);
            var actual = EngineLogits(engine, prompt);
            double relative = MaxDifference(expected, actual) / Spread(expected);
            Assert.True(relative < bound, $"{format}: max |Δ| = {relative:F4} × spread");
            Assert.True(relative > 0, $"{format}: identical to f32 — the format was not applied");
        }
    }

    /// <summary>One step for several sequences gives each the logits it gets decoded alone (multi-row vs one-row kernels).</summary>
    [Theory]
    [InlineData(WeightFormat.F32, 1e-5)]
    [InlineData(WeightFormat.F16, 1e-5)]
    [InlineData(WeightFormat.BF16, 1e-5)]
    [InlineData(WeightFormat.Q8_0, 1e-5)]
    public void BatchedStepEqualsEachRowAlone(WeightFormat format, double bound)
    {
        using var model = TinyModel();
        using var engine = new NativeEngine(model, format, threads: 2);
        int vocab = model.Config.VocabSize;
        var prompts = Enumerable.Range(0, 7).Select(i => Prompts[i % Prompts.Length].Append(30 + i).ToArray()).ToArray();
        var states = prompts.Select(_ => engine.NewState()).ToList();
        var scratch = new float[vocab];
        for (int i = 0; i < prompts.Length; i++) engine.Prefill(states[i], prompts[i][..^1], scratch);
        var batched = new float[prompts.Length * vocab];
        engine.Decode(states, prompts.Select(p => p[^1]).ToArray(), batched);
        for (int i = 0; i < prompts.Length; i++)
        {
            var alone = EngineLogits(engine, prompts[i]);
            var row = batched.AsSpan(i * vocab, vocab).ToArray();
            Assert.True(MaxDifference(alone, row) <= bound * Spread(alone), $"row {i}: max |Δ| {MaxDifference(alone, row)}");
            Assert.Equal(prompts[i].Length, states[i].Length);
        }
    }

    /// <summary>
    /// Rows of different sequences whose positions straddle the 16-position key blocks of the cache, with and without a
    /// sliding window, f32 and f16 caches: one batched step equals each row decoded alone.
    /// </summary>
    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(true, 17)]
    public void BatchedStepAcrossKeyBlocksEqualsEachRowAlone(bool half, int? window)
    {
        using var model = TinyModel("tiny", c => { c.ModelType = "mistral"; c.SlidingWindow = window; });
        using var engine = new NativeEngine(model, WeightFormat.F32);
        int vocab = model.Config.VocabSize;
        var prompts = new[] { 14, 15, 16, 17, 18, 31, 32, 33, 34, 50 }
            .Select(length => Enumerable.Range(0, length).Select(i => 1 + (i * 37 + length) % (vocab - 1)).ToArray()).ToArray();
        var states = prompts.Select(_ => engine.NewState(half)).ToList();
        var scratch = new float[vocab];
        for (int i = 0; i < prompts.Length; i++) engine.Prefill(states[i], prompts[i][..^1], scratch);
        var batched = new float[prompts.Length * vocab];
        engine.Decode(states, prompts.Select(p => p[^1]).ToArray(), batched);
        for (int i = 0; i < prompts.Length; i++)
        {
            var alone = new float[vocab];
            engine.Prefill(engine.NewState(half), prompts[i], alone);
            var row = batched.AsSpan(i * vocab, vocab).ToArray();
            Assert.True(MaxDifference(alone, row) <= 1e-5 * Spread(alone), $"length {prompts[i].Length}: max |Δ| {MaxDifference(alone, row)}");
        }
    }

    /// <summary>
    /// A finished sequence's cache goes back to the engine's pool and the next sequence decodes in the same arrays, still
    /// holding the old keys and values past its own positions (in its last key block too): its logits equal those of
    /// a sequence in fresh memory, bit for bit.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ASequenceInARecycledCacheGetsTheLogitsOfAFreshOne(bool half)
    {
        using var model = TinyModel();
        using var engine = new NativeEngine(model, WeightFormat.F32);
        using var fresh = new NativeEngine(model, WeightFormat.F32);
        int vocab = model.Config.VocabSize;
        int[] Prompt(int length, int seed) => Enumerable.Range(0, length).Select(i => 1 + (i * 31 + seed) % (vocab - 1)).ToArray();
        var scratch = new float[vocab];
        var first = engine.NewState(half);
        engine.Prefill(first, Prompt(40, 5), scratch);
        first.Release();
        Assert.Equal(0, first.Length);
        var (prompt, next) = (Prompt(20, 9), 3);
        var (reused, expected) = (engine.NewState(half), fresh.NewState(half));
        var (actual, want) = (new float[vocab], new float[vocab]);
        engine.Prefill(reused, prompt, actual);
        fresh.Prefill(expected, prompt, want);
        Assert.Equal(want, actual);
        engine.Decode([reused], [next], actual);
        fresh.Decode([expected], [next], want);
        Assert.Equal(want, actual);
    }

    [Fact]
    public void TheKvPoolReusesReturnedArraysUpToItsBound()
    {
        var pool = new KvArrayPool(maxBytes: 100);
        var (a, b) = (pool.Rent(64), pool.Rent(64));
        pool.Return(a);
        pool.Return(b); // past the bound: dropped
        Assert.Same(a, pool.Rent(64));
        Assert.NotSame(b, pool.Rent(64));
        Assert.Equal(32, pool.Rent(32).Length);
    }

    /// <summary>
    /// An f16 cache (the default beside f16/bf16/Q8_0 weights) against an f32 one under the same f32 weights, over a
    /// prompt and 40 greedy steps past two key blocks: keys and values rounded to 2⁻¹¹ relative move the logits by a
    /// small fraction of their spread (measured at most 0.009 over the steps; f16 weights alone move them 0.003–0.005).
    /// </summary>
    [Fact]
    public void HalfCacheLogitsStayCloseToF32Cache()
    {
        using var model = TinyModel();
        using var engine = new NativeEngine(model, WeightFormat.F32);
        Assert.True(engine.NewState().Half == false && new NativeEngine(model, WeightFormat.F16).NewState().Half, "f32 weights keep an f32 cache, f16 weights get an f16 one");
        int vocab = model.Config.VocabSize;
        double worst = 0;
        foreach (var prompt in Prompts)
        {
            var (exact, half) = (engine.NewState(half: false), engine.NewState(half: true));
            var (expected, actual) = (new float[vocab], new float[vocab]);
            engine.Prefill(exact, prompt, expected);
            engine.Prefill(half, prompt, actual);
            for (int step = 0; ; step++)
            {
                worst = Math.Max(worst, MaxDifference(expected, actual) / Spread(expected));
                if (step == 40) break;
                int next = Array.IndexOf(expected, expected.Max());
                engine.Decode([exact], [next], expected);
                engine.Decode([half], [next], actual);
            }
        }
        Assert.True(worst < 0.02, $"max |Δ| = {worst:F5} × spread");
        Assert.True(worst > 0, "identical to the f32 cache: the f16 cache was not applied");
    }

    [Fact]
    public void UnsupportedConfigurationsNameTheReason()
    {
        Assert.Null(NativeEngine.Unsupported(ModelPresets.Get("tiny")));
        Assert.Contains("Gemma 2", NativeEngine.Unsupported(ModelPresets.Get("tiny-gemma2")));
        var moe = ModelPresets.Get("tiny");
        (moe.ModelType, moe.NumLocalExperts) = ("mixtral", 4);
        Assert.Contains("mixture-of-experts", NativeEngine.Unsupported(moe));
    }
}
