using TorchSharp;
using Tsumugi.Modeling.Tests.Reference;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>The fast path (SDPA, fp32) against the float64 eager reference, for every architecture switch.</summary>
public class ModelNumericsTests
{
    static double MaxRelativeError(Tensor actual, Tensor expected)
    {
        var a = actual.to_type(ScalarType.Float64);
        double scale = Math.Max(1.0, expected.abs().max().item<double>());
        return (a - expected).abs().max().item<double>() / scale;
    }

    static Tensor Ids(long[,] ids) => tensor(ids.Cast<long>().ToArray(), [ids.GetLength(0), ids.GetLength(1)]);

    public static TheoryData<string> Architectures() => new() { "gqa", "mha", "tied", "bias", "mistral-window", "mixtral", "qwen2", "qwen2-window", "gemma2", "llama3" };

    static LlamaConfig ConfigFor(string name) => name switch
    {
        "gqa" => TestModels.Dense(),
        "mha" => TestModels.Dense(kvHeads: 4),
        "tied" => TestModels.Dense(tie: true),
        "bias" => TestModels.Dense(bias: true),
        "mistral-window" => TestModels.Mistral(window: 5),
        "mixtral" => TestModels.Mixtral(),
        "qwen2" => TestModels.Qwen2(),
        "qwen2-window" => TestModels.Qwen2(window: 4),
        "gemma2" => TestModels.Gemma2(),
        "llama3" => TestModels.Llama3(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void FullForwardMatchesEagerReference(string architecture)
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(ConfigFor(architecture));
        var ids = TestModels.RandomIds(2, 12, model.Config.VocabSize, seed: 1);
        using var _ = no_grad();
        var logits = model.Forward(Ids(ids)).Logits;
        var expected = ReferenceLlama.Logits(model, ids);
        Assert.Equal(expected.shape, logits.shape);
        Assert.True(MaxRelativeError(logits, expected) < 1e-5, $"max relative error {MaxRelativeError(logits, expected)}");
    }

    [Fact]
    public void PackedDocumentsMatchReferenceAndDoNotSeeEachOther()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        var ids = TestModels.RandomIds(1, 12, model.Config.VocabSize, seed: 2);
        var docs = new int[1, 12] { { 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2 } };
        using var _ = no_grad();
        var packed = model.Forward(Ids(ids), documentIds: tensor(docs.Cast<int>().ToArray(), [1, 12])).Logits;
        Assert.True(MaxRelativeError(packed, ReferenceLlama.Logits(model, ids, docs)) < 1e-5);

        // The second document alone, from position 0, gives the same logits as inside the pack.
        var alone = new long[1, 4];
        for (int i = 0; i < 4; i++) alone[0, i] = ids[0, 5 + i];
        var single = model.Forward(Ids(alone)).Logits;
        Assert.True(MaxRelativeError(packed.narrow(1, 5, 4), single.to_type(ScalarType.Float64)) < 1e-5);
        // Without the reset the same tokens see the first document and differ.
        var unpacked = model.Forward(Ids(ids)).Logits.narrow(1, 5, 4);
        Assert.True(MaxRelativeError(unpacked, single.to_type(ScalarType.Float64)) > 1e-3);
    }

    /// <summary>Gemma 2's windowed layers and global layers each keep to their document inside a pack.</summary>
    [Fact]
    public void GemmaPackedDocumentsMatchReference()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Gemma2(window: 3));
        var ids = TestModels.RandomIds(1, 12, model.Config.VocabSize, seed: 2);
        var docs = new int[1, 12] { { 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1 } };
        using var _ = no_grad();
        var packed = model.Forward(Ids(ids), documentIds: tensor(docs.Cast<int>().ToArray(), [1, 12])).Logits;
        Assert.True(MaxRelativeError(packed, ReferenceLlama.Logits(model, ids, docs)) < 1e-5);
    }

    [Theory]
    [InlineData("gqa")]
    [InlineData("mistral-window")]
    [InlineData("mixtral")]
    [InlineData("gemma2")]
    [InlineData("qwen2-window")]
    public void CachedDecodeEqualsFullForward(string architecture)
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(ConfigFor(architecture));
        var ids = Ids(TestModels.RandomIds(2, 16, model.Config.VocabSize, seed: 3));
        using var _ = no_grad();
        var full = model.Forward(ids).Logits;
        using var cache = model.NewCache(batchSize: 2, capacity: 32);
        var steps = new List<Tensor> { model.Forward(ids.narrow(1, 0, 6), cache: cache).Logits }; // prefill
        steps.Add(model.Forward(ids.narrow(1, 6, 3), cache: cache).Logits);                       // chunked prefill after a cache
        for (int i = 9; i < 16; i++) steps.Add(model.Forward(ids.narrow(1, i, 1), cache: cache).Logits); // decode
        var cached = cat(steps.ToArray(), 1);
        Assert.Equal(16, cache.Length);
        Assert.True((cached - full).abs().max().item<float>() < 1e-4, $"max abs diff {(cached - full).abs().max().item<float>()}");
    }

    [Fact]
    public void LastTokenLogitsOnlyMatchesTheLastRow()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        var ids = Ids(TestModels.RandomIds(1, 9, model.Config.VocabSize, seed: 4));
        using var _ = no_grad();
        var full = model.Forward(ids).Logits;
        var last = model.Forward(ids, lastTokenLogitsOnly: true).Logits;
        Assert.Equal(new long[] { 1, 1, model.Config.VocabSize }, last.shape);
        Assert.True((last[0, 0] - full[0, 8]).abs().max().item<float>() < 1e-5);
    }

    /// <summary>`generate --dtype float16`: the cached decode in half precision stays close to fp32 (CPU kernels included).</summary>
    [Fact]
    public void Float16CachedDecodeTracksFloat32()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        var half = TestModels.Build(TestModels.Dense());
        half.to(ScalarType.Float16);
        var ids = Ids(TestModels.RandomIds(1, 12, model.Config.VocabSize, seed: 8));
        using var _ = no_grad();
        using var cache32 = model.NewCache(1, 16);
        using var cache16 = half.NewCache(1, 16);
        Assert.Equal(ScalarType.Float32, cache16.DType); // CPU: attention over the cache runs in float32 (flat per-token time)
        Assert.Equal(ScalarType.Float16, half.Forward(ids.narrow(1, 0, 8), cache: cache16).Logits.dtype);
        model.Forward(ids.narrow(1, 0, 8), cache: cache32);
        for (int i = 8; i < 12; i++)
        {
            var full = model.Forward(ids.narrow(1, i, 1), cache: cache32).Logits;
            var reduced = half.Forward(ids.narrow(1, i, 1), cache: cache16).Logits;
            Assert.True(MaxRelativeError(reduced, full.to_type(ScalarType.Float64)) < 2e-2, $"step {i}: {MaxRelativeError(reduced, full.to_type(ScalarType.Float64))}");
        }
    }

    [Fact]
    public void CacheRejectsOverflowWithAClearMessage()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        using var cache = model.NewCache(1, 4);
        using var _ = no_grad();
        model.Forward(Ids(TestModels.RandomIds(1, 4, 97, 5)), cache: cache);
        var e = Assert.Throws<InvalidOperationException>(() => model.Forward(Ids(TestModels.RandomIds(1, 1, 97, 6)), cache: cache));
        Assert.Contains("capacity 4", e.Message);
    }
}
