using Tsumugi.Training.Config;
using Tsumugi.Training.Tests.Support;

namespace Tsumugi.Training.Tests.Units;

/// <summary>RunPlan's checks of the model's size, the output path and a curriculum file's data options.</summary>
public class RunPlanTests
{
    static RunPlan Plan(TrainConfig config, string run) => RunPlan.Create(config, ModelFactory.Config(config.Model), 1, bf16: false, run);

    [Fact]
    public void Create_ModelThatCannotFitInMemory_IsRefusedBeforeAllocationWithItsSize()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 50);
        // vocab 1e9 × hidden 1e6: 2e15 parameters, petabytes; allocating it would end in a native libtorch abort.
        File.WriteAllText(temp.File("config.json"), """
            {"model_type": "llama", "vocab_size": 1000000000, "hidden_size": 1000000, "intermediate_size": 1024,
             "num_hidden_layers": 1, "num_attention_heads": 8, "bos_token_id": 1, "eos_token_id": 2}
            """);
        var config = TinyRuns.Config(data, "model.preset=", "model.vocab_size=", $"model.config={temp.File("config.json")}", "train.device=cpu");
        var e = Assert.Throws<TrainConfigException>(() => TinyRuns.Open(config, temp.File("run")).Dispose());
        Assert.Contains("vocab 1,000,000,000, hidden 1,000,000", e.Message);
        Assert.Contains("parameters", e.Message);
        Assert.Contains("of memory available", e.Message);
        Assert.False(Directory.Exists(Path.Combine(temp.File("run"), "checkpoints", "step-0")));
    }

    [Fact]
    public void Create_OutputThatIsARegularFile_IsRefused()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 50);
        File.WriteAllText(temp.File("run"), "not a directory");
        var e = Assert.Throws<TrainConfigException>(() => Plan(TinyRuns.Config(data), temp.File("run")).Dispose());
        Assert.Contains("is a file", e.Message);
    }

    [Fact]
    public void Create_PackingAndValidationFractionBesideACurriculumFile_ApplyToTheDataPlan()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 200);
        File.WriteAllText(temp.File("curriculum.yaml"), $"""
            datasets: {"{"}counting: {data}{"}"}
            stages:
              - {"{"}name: one, tokens: 8K, mixture: {"{"}counting: 1{"}"}{"}"}
            """);
        var config = TinyRuns.Config(data, "data.path=", $"data.curriculum={temp.File("curriculum.yaml")}", "data.packing=best_fit",
            "data.validation_fraction=0.1", "train.max_steps=");
        using var plan = Plan(config, temp.File("run"));
        var text = plan.ToText("cpu", "float32");
        Assert.Contains("packing BestFit", text);
        Assert.Contains("held out for validation: 10.00", text);
    }
}
