using System.Globalization;
using Tsumugi.Modeling;
using Tsumugi.Orchestration;

namespace Tsumugi.Cli.Stages;

/// <summary>The model half: init, pretraining and continued pretraining, SFT, DPO, merging and MoE upcycling.</summary>
static class ModelStages
{
    public static IEnumerable<IStageKind> All()
    {
        yield return new CliStage("model-init", "tsumugi model init: preset (default tiny) or config (HF config.json), tokenizer", c =>
        {
            var tokenizer = c.OptionalInput("tokenizer");
            var config = c.ConfigFile("config");
            var preset = c.Settings.String("preset") ?? (config is null ? "tiny" : null);
            return new CliStage.Work(
                run => [["model", "init", .. preset is null ? ["--config", config!] : new[] { "--preset", preset }, .. tokenizer is null ? Array.Empty<string>() : ["--tokenizer", tokenizer], "--output", run.Directory]],
                run => $"{ModelAccounting.For(LlamaConfig.Load(run.Directory)).TotalParameters:N0} parameters");
        });
        foreach (var verb in new[] { "train", "sft", "dpo" })
            yield return new CliStage(verb, $"tsumugi {verb} (resumes after an interruption): config, model (from), data, tokenizer, eval_tasks, set {{key: value}}", c => Trainer(c, verb), resumable: true);
        yield return new CliStage("merge", "tsumugi merge: config (a mergekit YAML; ${STAGE} in it is that stage's model)", c =>
        {
            var template = c.ConfigFile("config") ?? throw c.Settings.Error("config", "missing: a mergekit merge or mergekit-moe YAML");
            var text = c.Placeholders(File.ReadAllText(template), "config");
            return new CliStage.Work(run =>
            {
                var rendered = Path.Combine(run.Directory, "merge-config.yaml");
                File.WriteAllText(rendered, text);
                return [["merge", "--config", rendered, "--output", Path.Combine(run.Directory, "model")]];
            }, run => $"{ModelAccounting.For(LlamaConfig.Load(Path.Combine(run.Directory, "model"))).TotalParameters:N0} parameters") { Product = "model" };
        });
        yield return new CliStage("upcycle", "tsumugi model upcycle: model, experts, top_k", c =>
        {
            var model = c.Input("model", "the dense model: a stage or folder");
            var experts = c.Settings.Int("experts", 8, min: 2);
            var topK = c.Settings.Int("top_k", 2, min: 1);
            return new CliStage.Work(
                run => [["model", "upcycle", "--model", model, "--experts", experts.ToString(CultureInfo.InvariantCulture), "--top-k", topK.ToString(CultureInfo.InvariantCulture), "--output", run.Directory]],
                run =>
                {
                    var a = ModelAccounting.For(LlamaConfig.Load(run.Directory));
                    return $"{a.TotalParameters:N0} parameters, {a.ActiveParameters:N0} active per token ({experts} experts, top-{topK})";
                });
        });
    }

    /// <summary>train / sft / dpo: the run folder is the stage's folder, its model/ the product; a rerun after a kill adds --resume.</summary>
    static CliStage.Work Trainer(StageContext c, string verb)
    {
        var config = c.ConfigFile("config") ?? throw c.Settings.Error("config", $"missing: the {verb} config (e.g. configs/{(verb == "train" ? "tiny" : verb + "-tiny")}.yaml)");
        var sets = new List<string>();
        if (c.OptionalInput("model") is { } model) sets.Add($"model.from={model}");
        if (c.OptionalInput("data") is { } data) sets.Add($"data.path={data}");
        if (c.OptionalInput("tokenizer") is { } tokenizer) sets.Add($"model.tokenizer={tokenizer}");
        // eval_tasks: checkpoint evaluation during training, with tasks this machine cannot score left out (and said).
        var (tasks, tasksNote) = c.Settings.Has("eval_tasks") ? RunnableTasks.Of(c.Inputs("eval_tasks", "task files or folders")) : ([], "");
        if (tasks.Count > 0) sets.Add($"eval.tasks=[{string.Join(", ", tasks)}]");
        sets.AddRange(c.Sets());
        // The training config with every override, read now: its errors show in `pipeline plan` with the other stages'.
        // (It names paths only; the data and models upstream stages will write are opened when the stage runs.)
        var kind = verb switch { "sft" => Training.Config.RunKind.Sft, "dpo" => Training.Config.RunKind.Preference, _ => Training.Config.RunKind.Pretrain };
        long? steps;
        try { steps = Training.Config.TrainConfig.Load(config, sets, kind).Train.MaxSteps; }
        catch (Common.Config.ConfigException e) { throw new Common.Config.ConfigException($"stages.{c.Stage.Name}: {e.Message}"); }
        return new CliStage.Work(
            run => [[verb, "--config", config, "--output", run.Directory, .. sets.SelectMany(s => new[] { "--set", s }), .. run.Resume ? ["--resume"] : Array.Empty<string>()]],
            run => RunSummary.Training(run.Directory) + tasksNote)
        {
            Product = "model",
            Size = () => steps is { } n ? new StageWork(n, "steps") : null,
        };
    }
}
