using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>
/// Batched decoding of sequences of different lengths (<see cref="LlamaForCausalLM.DecodeRows"/>): every row must get
/// exactly the logits a full forward of that sequence alone gives, whatever the other rows hold.
/// </summary>
public class RaggedDecodeTests
{
    static Tensor Row(long[] ids, int count) => tensor(ids[..count], [1, count]);

    [Theory]
    [InlineData("gqa")]
    [InlineData("mha")]
    [InlineData("mistral-window")]
    [InlineData("mixtral")]
    [InlineData("gemma2")]
    public void RowsOfDifferentLengthsDecodeAsIfAlone(string architecture)
    {
        using var scope = NewDisposeScope();
        var config = architecture switch
        {
            "gqa" => TestModels.Dense(),
            "mha" => TestModels.Dense(kvHeads: 4),
            "mistral-window" => TestModels.Mistral(window: 4),
            "gemma2" => TestModels.Gemma2(window: 4),
            _ => TestModels.Mixtral(),
        };
        var model = TestModels.Build(config);
        using var _ = no_grad();
        int[] promptLengths = [3, 9, 1];
        const int steps = 6;
        var sequences = promptLengths.Select((p, i) =>
            TestModels.RandomIds(1, p + steps, 97, seed: 10 + i).Cast<long>().ToArray()).ToArray();

        using var cache = model.NewCache(batchSize: 4, capacity: 32);
        var lengths = new long[promptLengths.Length];
        for (int r = 0; r < promptLengths.Length; r++)
        {
            // Prefill all but the prompt's last token; the decode steps feed the rest one at a time.
            using var row = cache.Row(r);
            model.Forward(Row(sequences[r], Math.Max(1, promptLengths[r] - 1)), cache: row);
            lengths[r] = row.Length;
        }
        for (int s = 0; s < steps; s++)
        {
            var next = lengths.Select((length, r) => sequences[r][length]).ToArray();
            var logits = model.DecodeRows(tensor(next, [next.Length, 1]), cache, lengths);
            for (int r = 0; r < lengths.Length; r++)
            {
                lengths[r]++;
                var alone = model.Forward(Row(sequences[r], (int)lengths[r])).Logits[0, -1];
                float diff = (logits[r] - alone).abs().max().item<float>();
                Assert.True(diff < 1e-4, $"row {r} step {s}: max abs diff {diff}");
            }
        }
    }

    [Fact]
    public void MovedRowContinuesWhereItWas()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        using var _ = no_grad();
        var ids = TestModels.RandomIds(1, 8, 97, seed: 21).Cast<long>().ToArray();
        using var cache = model.NewCache(batchSize: 3, capacity: 16);
        using (var row = cache.Row(2)) model.Forward(Row(ids, 7), cache: row);
        cache.MoveRow(from: 2, to: 0, length: 7);
        var logits = model.DecodeRows(tensor(new[] { ids[7] }, [1, 1]), cache, [7]);
        var alone = model.Forward(Row(ids, 8)).Logits[0, -1];
        Assert.True((logits[0] - alone).abs().max().item<float>() < 1e-4);
    }

    [Fact]
    public void RowBeyondCapacityIsRefusedClearly()
    {
        using var scope = NewDisposeScope();
        var model = TestModels.Build(TestModels.Dense());
        using var _ = no_grad();
        using var cache = model.NewCache(batchSize: 1, capacity: 4);
        var e = Assert.Throws<InvalidOperationException>(() => model.DecodeRows(tensor(new long[] { 5 }, [1, 1]), cache, [4]));
        Assert.Contains("capacity is 4", e.Message);
    }
}
