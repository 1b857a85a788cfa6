using Tsumugi.Training.Config;

namespace Tsumugi.Training.Tests.Sft;

/// <summary>Bad SFT input stops the run before training with one error naming the file and field; bad records are counted.</summary>
public sealed class SftPreflightTests : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Plan_TemplateWithAnUnsupportedConstruct_FailsNamingTheFileAndLine()
    {
        var template = _temp.File("chat.jinja");
        File.WriteAllText(template, "{% for m in messages %}{{ m['content'] }}\n{% endfor %}{{ messages | tojson_pretty }}");

        var e = Assert.Throws<TrainConfigException>(() => Plan($"sft.chat_template={template}"));

        Assert.Contains("chat.jinja", e.Message);
        Assert.Contains("tojson_pretty", e.Message);
        Assert.Contains("line 2", e.Message); // the construct's line
    }

    [Fact]
    public void Plan_UnknownColumn_FailsNamingTheFileAndTheFix()
    {
        var e = Assert.Throws<TrainConfigException>(() => Plan("data.columns={instruction: question}"));

        Assert.Contains("kana.jsonl:1", e.Message);
        Assert.Contains("question", e.Message);
    }

    [Fact]
    public void Plan_BadRecords_AreCountedWithTheirLinesAndTheRestTrains()
    {
        var data = Data();
        File.AppendAllLines(data, ["{\"instruction\": \"\", \"output\": \"ア\"}", "not json"]);

        using var plan = RunPlan.Create(Config(data), ModelFactory.Config(Config(data).Model), 1, false, _temp.File("run"));

        var text = plan.ToText("cpu", "float32");
        Assert.Contains("2 rejected", text);
        Assert.Contains("kana.jsonl:201", text);
        Assert.Contains("kana.jsonl:202", text);
        Assert.Contains("200 kept", text);
    }

    [Fact]
    public void Load_LoraSectionWithAKeyPeftDoesNotHave_FailsNamingIt()
    {
        var e = Assert.Throws<TrainConfigException>(() => Config(Data(), "lora.rank=8"));

        Assert.Contains("lora.rank", e.Message);
        Assert.Contains("lora_alpha", e.Message); // the allowed keys are listed
    }

    [Fact]
    public void Load_SftSectionInAPretrainingConfig_PointsToTsumugiSft()
    {
        var e = Assert.Throws<TrainConfigException>(() => TrainConfig.Load(Path.Combine(RepoPaths.Configs, "tiny.yaml"), ["data.path=x", "sft.epochs=2"]));

        Assert.Contains("tsumugi sft", e.Message);
    }

    RunPlan Plan(params string[] overrides)
    {
        var config = Config(Data(), overrides);
        return RunPlan.Create(config, ModelFactory.Config(config.Model), 1, false, _temp.File("run"));
    }

    string Data()
    {
        var path = _temp.File("kana.jsonl");
        if (!File.Exists(path)) KanaTask.WriteJsonl(path, KanaTask.Words3To4(200, 0, seed: 1).Train);
        return path;
    }

    TrainConfig Config(string data, params string[] overrides)
    {
        var baseDir = _temp.File("base");
        if (!Directory.Exists(baseDir)) TinyModelDirectory.Write(baseDir, KanaTask.Words, seed: 1, contextLength: 128);
        return TrainConfig.Load(Path.Combine(RepoPaths.Configs, "sft-lora-tiny.yaml"),
            [$"model.from={baseDir}", $"data.paths=[{data}]", "train.seq_length=64", .. overrides], RunKind.Sft);
    }
}
