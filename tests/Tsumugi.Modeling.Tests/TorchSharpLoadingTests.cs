using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

/// <summary>Proves the native libtorch stack loads from a plain build (the Debian 12 libstdc++ fix in the build).</summary>
public class TorchSharpLoadingTests
{
    [Fact]
    public void TorchSharpInitialisesAndComputes()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = matmul(a, a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }

    [Fact]
    public void AutogradAndCausalAttentionRun()
    {
        using var scope = NewDisposeScope();
        var q = randn(1, 2, 4, 8, requires_grad: true);
        var y = nn.functional.scaled_dot_product_attention(q, q, q, is_casual: true);
        y.sum().backward();
        Assert.NotNull(q.grad);
        Assert.Equal(q.shape, q.grad!.shape);
        Assert.True(q.grad.abs().sum().item<float>() > 0);
    }
}
