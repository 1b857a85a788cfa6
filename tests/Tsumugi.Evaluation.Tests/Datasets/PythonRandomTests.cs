using Tsumugi.Evaluation.Datasets;

namespace Tsumugi.Evaluation.Tests.Datasets;

/// <summary>
/// The expected values were printed by CPython 3.11 (Debian's /usr/bin/python3): <c>random.seed(42)</c> followed by
/// the call named in each test. A mismatch means our train/dev splits differ from llm-jp-eval's.
/// </summary>
public sealed class PythonRandomTests
{
    [Fact]
    public void GetRandBitsMatchesCPython()
    {
        var random = new PythonRandom(42);
        Assert.Equal(2746317213u, random.GetRandBits(32));
        Assert.Equal(478163327u, random.GetRandBits(32));
    }

    [Fact]
    public void RandomMatchesCPython() => Assert.Equal(0.6394267984578837, new PythonRandom(42).NextDouble());

    [Theory]
    [InlineData(2, new[] { 1, 0 })]
    [InlineData(4, new[] { 2, 1, 3, 0 })]
    [InlineData(7, new[] { 1, 3, 4, 2, 6, 0, 5 })]
    [InlineData(10, new[] { 7, 3, 2, 8, 5, 6, 9, 4, 0, 1 })]
    public void ShuffleMatchesCPython(int n, int[] expected)
    {
        var items = Enumerable.Range(0, n).ToList();
        new PythonRandom(42).Shuffle(items);
        Assert.Equal(expected, items);
    }

    [Fact]
    public void ShuffleOfAThousandCrossesTheStateRefill()
    {
        // 999 draws of up to 10 bits each: the 624-word state is regenerated, so the twist is exercised too.
        var items = Enumerable.Range(0, 1000).ToList();
        new PythonRandom(42).Shuffle(items);
        Assert.Equal([776, 507, 895, 922, 33, 483, 85, 750], items.Take(8));
        Assert.Equal([25, 114, 654], items.TakeLast(3));
    }

    [Fact]
    public void TrainDevCutIsNinetyPercentOfTheShuffledList()
    {
        var info = new EvalTaskInfo("i", 1, ["exact_match"]);
        var splits = EvalSplits.FromTrainDev(info, Enumerable.Range(0, 10).Select(i => new EvalSample($"q{i}", $"{i}")), []);
        Assert.Equal(["q7", "q3", "q2", "q8", "q5", "q6", "q9", "q4", "q0"], splits.Train.Select(s => s.Input));
        Assert.Equal(["q1"], splits.Dev.Select(s => s.Input));
    }
}
