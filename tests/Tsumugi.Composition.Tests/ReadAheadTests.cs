using Tsumugi.Composition.Tensors;

namespace Tsumugi.Composition.Tests;

public sealed class ReadAheadTests
{
    // Element counts: two large tensors in a row (3, 4) must share the large set; the small ones alternate with them.
    static readonly long[] Sizes = [100, 10, 30, 100, 100, 5];

    [Fact]
    public void Next_ReturnsEveryItemInOrderWithItsInputsRead()
    {
        using var readAhead = new ReadAhead<int>(Enumerable.Range(0, Sizes.Length).ToList(), i => Sizes[i], 2, (i, set) =>
        {
            set.Inputs[0][0] = i;
            set.Inputs[1][Sizes[i] - 1] = -i;
        });
        for (int i = 0; i < Sizes.Length; i++)
        {
            var (item, set) = readAhead.Next();
            Assert.Equal(i, item);
            Assert.True(set.Elements >= Sizes[i]);
            Assert.Equal((float)i, set.Inputs[0][0]);
            Assert.Equal((float)-i, set.Inputs[1][Sizes[i] - 1]);
            readAhead.Release(set);
        }
        // The large set (3 × 100) plus a small one sized for the largest tensor of a third or less (3 × 30).
        Assert.Equal(3 * (100 + 30) * sizeof(float), readAhead.BufferBytes);
    }

    [Fact]
    public void Reader_FillsTheNextSmallTensorWhileTheCallerHoldsALargeOne_ButNeverTwoLargeOnesAtOnce()
    {
        var filled = new System.Collections.Concurrent.ConcurrentQueue<int>();
        using var readAhead = new ReadAhead<int>(Enumerable.Range(0, Sizes.Length).ToList(), i => Sizes[i], 1, (i, _) => filled.Enqueue(i));
        var (first, set0) = readAhead.Next();
        // While tensor 0 (large) is held, tensor 1 (small) is read ahead...
        Assert.True(SpinWait.SpinUntil(() => filled.Contains(1), TimeSpan.FromSeconds(10)));
        Thread.Sleep(50);
        Assert.DoesNotContain(2, filled); // ...but tensor 2 waits for a free set.
        readAhead.Release(set0);
        for (int i = 1; i < 3; i++) { var (_, s) = readAhead.Next(); readAhead.Release(s); }
        var (third, set3) = readAhead.Next();
        Assert.Equal(3, third);
        Thread.Sleep(50);
        Assert.DoesNotContain(4, filled); // tensor 4 is large too: it needs the set tensor 3 holds
        readAhead.Release(set3);
        var (fourth, set4) = readAhead.Next();
        Assert.Equal((0, 4), (first, fourth));
        readAhead.Release(set4);
    }

    [Fact]
    public void Next_ReaderError_SurfacesAsThrown()
    {
        using var readAhead = new ReadAhead<int>([0, 1, 2], _ => 8, 1, (i, _) =>
        {
            if (i == 1) throw new InvalidDataException("tensor 1 is torn");
        });
        var (_, set) = readAhead.Next();
        readAhead.Release(set);
        var e = Assert.Throws<InvalidDataException>(() => readAhead.Next());
        Assert.Equal("tensor 1 is torn", e.Message);
    }
}
