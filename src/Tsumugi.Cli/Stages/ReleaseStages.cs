using Tsumugi.Orchestration;

namespace Tsumugi.Cli.Stages;

/// <summary>After training: evaluation side by side, synthetic data through a served model, GGUF export, a release folder with its card, and any other command.</summary>
static class ReleaseStages
{
    public static IEnumerable<IStageKind> All()
    {
        yield return new CliStage("eval", "tsumugi eval tasks per model + eval report: models {name: stage}, tasks (files/folders), shots", c =>
        {
            var models = c.NamedInputs("models", "name → model (a stage or folder), e.g. {pretrained: pretrain, sft: sft}");
            var (tasks, note) = RunnableTasks.Of(c.Inputs("tasks", "llm-jp-eval task files or folders, e.g. configs/eval"));
            var shots = c.Settings.String("shots");
            return new CliStage.Work(run =>
                models.Select(m => (string[])["eval", "tasks", "--model", m.Path, "--model-name", m.Name, "--tasks", .. tasks, "--output", Path.Combine(run.Directory, m.Name, "tasks.json"),
                                             .. shots is null ? Array.Empty<string>() : ["--shots", shots]])
                    .Append(["eval", "report", run.Directory, "--output", Path.Combine(run.Directory, "report.md"), "--html", Path.Combine(run.Directory, "report.html")]),
                run => string.Join("; ", models.Select(m =>
                    $"{m.Name}: " + string.Join(", ", Evaluation.EvalSummary.Read(Path.Combine(run.Directory, m.Name, "tasks.json")).Metrics
                        .Where(kv => !kv.Key.Contains('/')).Select(kv => $"{kv.Key} {kv.Value:F2}")))) + " — side by side in report.md" + note)
            { Size = () => new StageWork(models.Count, "models") };
        });
        yield return new CliStage("export", "tsumugi export gguf: model, quant (default q8_0)", c =>
        {
            var model = c.Input("model", "the model to export: a stage or folder");
            var quant = c.Settings.String("quant") ?? "q8_0";
            return new CliStage.Work(run => [["export", "gguf", "--model", model, "--output", Path.Combine(run.Directory, $"model-{quant}.gguf"), "--quant", quant]],
                run => $"model-{quant}.gguf, {new FileInfo(Path.Combine(run.Directory, $"model-{quant}.gguf")).Length:N0} bytes");
        });
        yield return new CliStage("card", "a release folder: model (copied) + tsumugi model card README.md: model, license, name, eval", c =>
        {
            var model = c.Input("model", "the model to release: a stage or folder");
            var license = c.Settings.String("license") ?? throw c.Settings.Error("license", "missing: the licence id (apache-2.0, mit, …)");
            var name = c.Settings.String("name");
            var eval = c.OptionalInput("eval");
            return new CliStage.Work(run =>
            {
                CopyFolder(model, run.Directory);
                return [["model", "card", "--model", run.Directory, "--license", license, .. name is null ? Array.Empty<string>() : ["--name", name],
                         .. eval is null ? Array.Empty<string>() : ["--eval", eval]]];
            }, run => $"{Path.GetFileName(run.Directory)}/README.md and the model's files");
        });
        yield return new CliStage("synth", "tsumugi synth run (resumes): config, serve (a model served in-process as endpoint 'local')", c =>
        {
            var config = c.ConfigFile("config") ?? throw c.Settings.Error("config", "missing: a synth recipe config (configs/synth-*.yaml)");
            var serve = c.OptionalInput("serve");
            return new CliStage.Work(run => serve is null
                ? [["synth", "run", "--config", config, "--output", run.Directory, .. run.Resume ? ["--resume"] : Array.Empty<string>()]]
                : [], run => serve is null ? SynthSummary(run.Directory) : ServedSynth.Run(serve, config, run.Directory, CliStage.Invoke));
        }, resumable: true);
        yield return new CliStage("command", "any tsumugi command: run [..] where ${STAGE} is a stage's output and ${output} this stage's folder", c =>
        {
            var args = c.Settings.List("run") ?? throw c.Settings.Error("run", "missing: the command's arguments, e.g. [eval, perplexity, --model, ${pretrain}, …]");
            // ${output} is this stage's folder, known only at run time: kept aside while the other placeholders resolve.
            const string own = "\0output\0";
            var resolved = args.Select(a => c.Placeholders(a.Replace("${output}", own, StringComparison.Ordinal), "run")).ToList();
            return new CliStage.Work(run => [resolved.Select(a => a.Replace(own, run.Directory, StringComparison.Ordinal)).ToArray()], _ => $"tsumugi {string.Join(' ', args)}");
        });
    }

    static string SynthSummary(string output)
    {
        var run = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, Synthesis.SynthRunner.StatsFile)))!["runs"]!.AsArray()[^1]!;
        return $"{(int)run["accepted"]!} records, {(int)run["rejected"]!} rejected";
    }

    static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
