using System.CommandLine;
using System.Diagnostics;
using Tsumugi.Evaluation.Datasets;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi eval prepare --dataset NAME --raw PATH --output DIR`: a dataset's own raw files (downloaded by the user)
/// into llm-jp-eval's evaluation JSON, <c>DIR/{train,dev,test}/NAME.json</c>, byte for byte as llm-jp-eval v1.3 writes
/// them; `--list` shows the supported datasets and the raw files each reads.
/// </summary>
public static partial class EvalCommands
{
    static partial void AddPrepare(Command group)
    {
        var dataset = new Option<string?>("--dataset") { Description = "Dataset name as llm-jp-eval spells it (jcommonsenseqa, jnli, …; see --list).", HelpName = "NAME" };
        var raw = new Option<string?>("--raw") { Description = "The dataset's raw files as distributed: their folder, or the file itself for one-file datasets (janli.tsv). llm-jp-eval's raw_files/ names (jnli_train.json …) are accepted too.", HelpName = "DIR_OR_FILE" };
        var output = new Option<string?>("--output") { Description = "Evaluation folder: writes OUTPUT/train/NAME.json, OUTPUT/dev/NAME.json and OUTPUT/test/NAME.json (the layout `eval tasks --tasks OUTPUT/test` reads).", HelpName = "DIR" };
        var list = new Option<bool>("--list") { Description = "List the supported datasets and the raw files each expects, then exit." };
        var command = new Command("prepare", "Convert a dataset's downloaded raw files into llm-jp-eval (v1.3) evaluation JSON: same instruction, metrics, samples and seed-42 train/dev split. " +
            "Nothing is downloaded: fetch the raw files from each dataset's own repository first. Datasets and the raw files each reads:\n" +
            string.Join("\n", DatasetPreprocessors.All.Select(p => $"  {p.Name}: {p.RawFilesHelp}")))
        {
            dataset, raw, output, list,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(list))
            {
                foreach (var p in DatasetPreprocessors.All)
                    Console.WriteLine($"{string.Join(", ", p.OutputNames),-16} {p.RawFilesHelp}");
                return 0;
            }
            var name = parse.GetValue(dataset) ?? throw new ArgumentException("--dataset is required (or --list to see the datasets).");
            var preprocessor = DatasetPreprocessors.Find(name)
                ?? throw new ArgumentException($"unknown dataset '{name}'; supported: {string.Join(", ", DatasetPreprocessors.All.Select(p => p.Name))}.");
            var rawPath = parse.GetValue(raw) ?? throw new ArgumentException($"--raw is required: {preprocessor.RawFilesHelp}.");
            var outputDir = parse.GetValue(output) ?? throw new ArgumentException("--output is required (the evaluation folder to write train/, dev/ and test/ into).");

            var clock = Stopwatch.StartNew();
            Console.Error.WriteLine($"{preprocessor.Name}: reading {rawPath}");
            var prepared = preprocessor.Prepare(rawPath);
            foreach (var (outputName, splits) in prepared)
            {
                var paths = LlmJpEvalJson.WriteSplits(outputDir, outputName, splits);
                foreach (var (split, path) in EvalSplits.SplitNames.Zip(paths))
                    Console.WriteLine($"{outputName} {split}: {splits.Split(split).Count:N0} samples → {path}");
            }
            Console.Error.WriteLine($"[{preprocessor.Name}: {prepared.Count} task(s) prepared in {clock.Elapsed.TotalSeconds:F1}s]");
            return 0;
        });
        group.Add(command);
    }
}
