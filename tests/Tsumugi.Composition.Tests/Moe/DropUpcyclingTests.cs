using Tsumugi.Composition.Moe;
using static Tsumugi.Composition.Tests.Moe.MoeTestModels;

namespace Tsumugi.Composition.Tests.Moe;

public sealed class DropUpcyclingTests : IDisposable
{
    readonly TempDirectory _temp = new("tsumugi-drop");
    public void Dispose() => _temp.Dispose();

    /// <summary>The intermediate channels where an expert's w1 rows, w3 rows or w2 columns differ from the dense ones.</summary>
    static (SortedSet<int> W1, SortedSet<int> W3, SortedSet<int> W2, int Changed, int Total) Diff(
        Dictionary<string, float[]> dense, Dictionary<string, float[]> moe, int layer, int expert, int intermediate, int hidden)
    {
        var w1 = new SortedSet<int>(); var w3 = new SortedSet<int>(); var w2 = new SortedSet<int>();
        var d1 = dense[$"model.layers.{layer}.mlp.gate_proj.weight"]; var m1 = moe[$"model.layers.{layer}.block_sparse_moe.experts.{expert}.w1.weight"];
        var d3 = dense[$"model.layers.{layer}.mlp.up_proj.weight"]; var m3 = moe[$"model.layers.{layer}.block_sparse_moe.experts.{expert}.w3.weight"];
        var d2 = dense[$"model.layers.{layer}.mlp.down_proj.weight"]; var m2 = moe[$"model.layers.{layer}.block_sparse_moe.experts.{expert}.w2.weight"];
        int changed = 0;
        for (int i = 0; i < intermediate; i++)
            for (int h = 0; h < hidden; h++)
            {
                if (BitConverter.SingleToInt32Bits(d1[i * hidden + h]) != BitConverter.SingleToInt32Bits(m1[i * hidden + h])) { w1.Add(i); changed++; }
                if (BitConverter.SingleToInt32Bits(d3[i * hidden + h]) != BitConverter.SingleToInt32Bits(m3[i * hidden + h])) { w3.Add(i); changed++; }
                if (BitConverter.SingleToInt32Bits(d2[h * intermediate + i]) != BitConverter.SingleToInt32Bits(m2[h * intermediate + i])) { w2.Add(i); changed++; }
            }
        return (w1, w3, w2, changed, 3 * intermediate * hidden);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.3)]
    public void Run_ReinitialisesFloorRIChannelsPerExpert_SameAcrossMatricesDifferentAcrossExperts(double ratio)
    {
        var dense = Dense(_temp.File("dense"), seed: 5);
        var result = Upcycler.Run(new UpcycleOptions(dense, _temp.File("moe"), Experts: 4, TopK: 2, DropRatio: ratio));
        var config = ConfigJson(dense);
        int intermediate = (int)config["intermediate_size"]!, hidden = (int)config["hidden_size"]!;
        int expected = (int)Math.Floor(ratio * intermediate);
        var before = ReadAll(dense);
        var after = ReadAll(result.Directory);
        for (int l = 0; l < 2; l++)
        {
            var subsets = new List<SortedSet<int>>();
            for (int e = 0; e < 4; e++)
            {
                var (w1, w3, w2, changed, _) = Diff(before, after, l, e, intermediate, hidden);
                Assert.Equal(expected, w1.Count);
                Assert.Equal(w1, w3);
                Assert.Equal(w1, w2);
                // Every element of a chosen channel is re-drawn (a continuous draw equals the old value with ~0 probability);
                // every element outside it is bit-equal.
                Assert.Equal(3 * expected * hidden, changed);
                subsets.Add(w1);
            }
            for (int a = 0; a < 4; a++)
                for (int b = a + 1; b < 4; b++) Assert.NotEqual(subsets[a], subsets[b]);
        }
        foreach (var (name, values) in before.Where(kv => !kv.Key.Contains(".mlp.")))
            Assert.Equal(values, after[name]);
    }

    [Fact]
    public void Run_RedrawnValuesFollowTheReplacedElementsStatistics()
    {
        // Scale the dense w1 of layer 0 so its statistics differ clearly from the N(0, 0.02²) init: μ = 0.5, σ ≈ 0.1.
        var dense = Dense(_temp.File("dense"), seed: 5, c => { c.IntermediateSize = 512; });
        var result = Upcycler.Run(new UpcycleOptions(dense, _temp.File("moe"), Experts: 2, TopK: 1, DropRatio: 0.5));
        int hidden = (int)ConfigJson(dense)["hidden_size"]!;
        var before = Read(dense, "model.layers.0.mlp.gate_proj.weight");
        var after = Read(result.Directory, "model.layers.0.block_sparse_moe.experts.1.w1.weight");
        var replacedOld = new List<double>(); var drawn = new List<double>();
        for (int k = 0; k < before.Length; k++)
            if (before[k] != after[k]) { replacedOld.Add(before[k]); drawn.Add(after[k]); }
        Assert.Equal(256 * hidden, drawn.Count);
        static (double Mean, double Std) Stats(List<double> v) { double m = v.Average(); return (m, Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1))); }
        var (oldMean, oldStd) = Stats(replacedOld);
        var (newMean, newStd) = Stats(drawn);
        Assert.InRange(newStd / oldStd, 0.97, 1.03);
        Assert.InRange(Math.Abs(newMean - oldMean), 0, 0.05 * oldStd);
    }

    [Fact]
    public void Channels_AreSeededAndSized()
    {
        var a = DropUpcycling.Channels(42, layer: 3, expert: 1, intermediate: 100, ratio: 0.25);
        Assert.Equal(25, a.Length);
        Assert.Equal(a, DropUpcycling.Channels(42, 3, 1, 100, 0.25));
        Assert.NotEqual(a, DropUpcycling.Channels(43, 3, 1, 100, 0.25));
        Assert.NotEqual(a, DropUpcycling.Channels(42, 4, 1, 100, 0.25));
        Assert.Equal(a.Length, a.Distinct().Count());
        Assert.Empty(DropUpcycling.Channels(42, 0, 0, 100, 0));
        Assert.Equal(Enumerable.Range(0, 100), DropUpcycling.Channels(42, 0, 0, 100, 1));
    }
}
