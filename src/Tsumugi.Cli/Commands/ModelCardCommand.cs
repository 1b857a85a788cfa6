using System.CommandLine;
using Tsumugi.Training.Provenance;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi model card`: write the README.md model card of a model directory from what its files record.</summary>
public static class ModelCardCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("HF model directory to describe; README.md is written into it.");
        var license = new Option<string>("--license")
        {
            Description = "Licence id for the Hub metadata (apache-2.0, mit, cc-by-4.0, llama3.1, other, …).", Required = true,
        };
        var name = new Option<string?>("--name") { Description = "Model name for the title (default: the directory name)." };
        var languages = new Option<string[]>("--language")
        {
            Description = "Languages of the model (repeatable).", DefaultValueFactory = _ => ["ja", "en"], AllowMultipleArgumentsPerToken = true,
        };
        var use = new Option<string?>("--intended-use") { Description = "Intended use and limitations (default: a research-use statement)." };
        var eval = new Option<string[]>("--eval")
        {
            Description = "Eval results to report (files or directories, as `tsumugi eval report` takes them; repeatable).",
            AllowMultipleArgumentsPerToken = true, HelpName = "PATH",
        };
        var command = new Command("card",
            "Write README.md (a Hugging Face model card): architecture, training lineage and data mixture (training.json), merge config, eval results, intended use, licence.")
        {
            model, license, name, languages, use, eval,
        };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(model)!;
            ModelCard.Write(dir, new ModelCardOptions
            {
                License = parse.GetValue(license)!,
                Name = parse.GetValue(name),
                Languages = parse.GetValue(languages) ?? ["ja", "en"],
                IntendedUse = parse.GetValue(use),
                EvalResults = parse.GetValue(eval) ?? [],
            });
            CliApp.Info($"Wrote {Path.Combine(dir, ModelCard.FileName)}");
            return 0;
        });
        return command;
    }
}
