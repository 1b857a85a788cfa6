using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>Reading the model's dtype/device or the tied head weight must not create tensor handles per call.</summary>
public class HandleLeakTests
{
    static long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void NewCache_CreatesNoHandlesBeyondTheCache()
    {
        using var model = TestModels.Build(TestModels.Dense(tie: true));
        model.NewCache(1, 8).Dispose(); // warm-up
        long before = Live();
        for (int i = 0; i < 100; i++) model.NewCache(1, 8).Dispose();
        Assert.Equal(before, Live());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_LeavesOnlyItsOutputsLive(bool tie)
    {
        using var model = TestModels.Build(TestModels.Dense(tie: tie));
        using var ids = tensor(TestModels.RandomIds(1, 4, 97, 1));
        using var noGrad = no_grad();
        void Step()
        {
            using var cache = model.NewCache(1, 8);
            using var scope = NewDisposeScope();
            model.Forward(ids, cache: cache);
        }
        Step(); // warm-up: rotary tables
        long before = Live();
        for (int i = 0; i < 100; i++) Step();
        Assert.Equal(before, Live());
    }

    /// <summary>The dtype is read afresh each call, so it follows <c>to(dtype)</c> (which replaces the parameters).</summary>
    [Fact]
    public void WeightFormat_FollowsModuleTo()
    {
        using var model = TestModels.Build(TestModels.Dense(tie: true));
        model.to(ScalarType.Float64);
        using var ids = tensor(TestModels.RandomIds(1, 4, 97, 1));
        using var noGrad = no_grad();
        using var cache = model.NewCache(1, 8);
        using var scope = NewDisposeScope();
        Assert.Equal(ScalarType.Float64, model.Forward(ids, cache: cache).Logits.dtype);
    }
}
