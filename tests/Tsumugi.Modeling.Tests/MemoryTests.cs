using TorchSharp;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests;

public class MemoryTests
{
    /// <summary>1,000 optimizer steps of the tiny preset in the one-scope-per-step pattern leak no tensors or memory.</summary>
    [Fact]
    public void TrainingStepsDoNotLeakTensorsOrMemory()
    {
        torch.manual_seed(3);
        using var model = new LlamaForCausalLM(ModelPresets.Get("tiny"));
        model.InitializeWeights(3);
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
        using var ids = randint(0, 1024, [2, 32]);
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = model.TrainingLoss(ids, ids).Loss;
            loss.backward();
            optimizer.step();
            _ = loss.item<float>();
        }
        for (int i = 0; i < 50; i++) Step(); // warm-up: optimizer state, rotary tables, allocator pools
        long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        GC.Collect();
        long rssBefore = Environment.WorkingSet;
        for (int i = 0; i < 1000; i++) Step();
        GC.Collect();
        long rssGrowth = Environment.WorkingSet - rssBefore;
        Assert.Equal(liveBefore, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.True(rssGrowth < 64L << 20, $"resident memory grew by {rssGrowth >> 20} MB over 1,000 steps");
    }
}
