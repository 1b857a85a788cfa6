using CsCheck;
using Tsumugi.Evaluation.Perplexity;

namespace Tsumugi.Evaluation.Tests;

public sealed class SlidingWindowTests
{
    [Fact]
    public void WindowsScoreEachTokenAfterBosOnceWithAtLeastContextMinusStrideHistory()
    {
        var windows = SlidingWindows.Split(Enumerable.Range(0, 10).Select(i => (long)i).ToArray(), context: 4, stride: 2).ToList();
        Assert.Equal([(0L, 1), (2L, 2), (4L, 2), (6L, 2)], windows.Select(w => (w.Ids[0], w.ScoreFrom)));
        Assert.All(windows, w => Assert.Equal(4, w.Ids.Length));

        Gen.Select(Gen.Int[2, 300], Gen.Int[2, 64], Gen.Int[1, 63]).Where((n, c, s) => s < c).Sample((n, context, stride) =>
        {
            var ids = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
            var scored = new List<long>();
            foreach (var w in SlidingWindows.Split(ids, context, stride))
            {
                if (w.Ids.Length > context) return false;
                if (w.Ids[0] != 0 && w.ScoreFrom < context - stride) return false;
                scored.AddRange(w.Ids[w.ScoreFrom..]);
            }
            return scored.SequenceEqual(ids.Skip(1));
        });
    }

    [Fact]
    public void StrideMustBeBelowTheContext()
    {
        Assert.Throws<ArgumentException>(() => SlidingWindows.Split([1, 2, 3], 4, 4).ToList());
        Assert.Empty(SlidingWindows.Split([1], 4, 2));
    }
}
