using System.CommandLine;
using Tsumugi.Modeling;
using Tsumugi.Training.Continued;
using static TorchSharp.torch;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi model extend-vocab`: grow a model's embedding (and LM head) to an extended tokenizer, Swallow style.</summary>
public static class ExtendVocabCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("HF model directory to extend (its tokenizer is the old one unless --old-tokenizer).");
        var tokenizer = CommonOptions.Tokenizer("New tokenizer directory (e.g. from `tsumugi tokenizer extend`); its id-map.json is used when present.");
        var output = CommonOptions.Output("Directory to write the extended HF model directory to (with the new tokenizer files).");
        var oldTokenizer = new Option<string?>("--old-tokenizer") { Description = "The model's current tokenizer (directory, .model or tokenizer.json); default: the one inside --model." };
        var allowDropped = new Option<bool>("--allow-dropped-pieces") { Description = "Accept a new tokenizer that lacks some old pieces (their rows are discarded)." };
        var command = new Command("extend-vocab",
            "Grow the embedding and LM head to an extended tokenizer for continued pretraining: shared pieces keep their rows, " +
            "each new row is the mean of the old rows of the pieces the old tokenizer splits it into (Swallow).")
        {
            model, tokenizer, output, oldTokenizer, allowDropped,
        };
        command.SetAction(parse =>
        {
            var modelDir = parse.GetValue(model)!;
            var tokenizerDir = parse.GetValue(tokenizer)!;
            var outputDir = parse.GetValue(output)!;
            if (Path.GetFullPath(outputDir).TrimEnd('/') == Path.GetFullPath(modelDir).TrimEnd('/'))
                throw new ArgumentException($"--output {outputDir} is the input model directory; write the extended model to a new directory.");
            // Work in the checkpoint's own dtype: rows are copied bit for bit, means are computed in fp32 either way,
            // and a bf16 7B model needs half the memory of an fp32 one.
            var dtype = CheckpointDtype(modelDir);
            var options = new VocabularyExtensionOptions { AllowDroppedPieces = parse.GetValue(allowDropped) };
            var (extended, report) = VocabularyExtension.LoadExtended(modelDir, tokenizerDir, parse.GetValue(oldTokenizer), options, dtype);
            using (extended)
            {
                HfModelDirectory.Save(extended, outputDir, tokenizerDir);
            }
            Print(report, outputDir);
            return 0;
        });
        return command;
    }

    static ScalarType CheckpointDtype(string modelDir)
    {
        var name = LlamaConfig.Load(modelDir).TorchDtype;
        return name is "float32" or "bfloat16" or "float16" ? HfModelDirectory.ParseDtype(name) : ScalarType.Float32;
    }

    static void Print(VocabularyExtensionReport r, string outputDir)
    {
        CliApp.Info($"Wrote {outputDir}: vocab_size {r.OldVocabSize:N0} → {r.NewVocabSize:N0} (tokenizer {r.OldTokenizerSize:N0} → {r.NewTokenizerSize:N0} pieces)");
        CliApp.Info($"  {r.CopiedRows:N0} rows copied (pieces in both tokenizers)");
        CliApp.Info($"  {r.MeanInitializedRows:N0} rows = mean of the old rows of the pieces the old tokenizer splits them into");
        CliApp.Info($"  {r.FallbackRows:N0} rows = mean of all old rows" +
            (r.FallbackPieces.Count > 0 ? $" ({string.Join(", ", r.FallbackPieces.Take(8).Select(p => $"'{p}'"))}{(r.FallbackPieces.Count > 8 ? ", …" : "")})" : ""));
        if (r.PaddingRows > 0) CliApp.Info($"  {r.PaddingRows:N0} padding rows kept beyond the tokenizer");
        if (r.DroppedPieces > 0) CliApp.Info($"  {r.DroppedPieces:N0} old pieces dropped (rows discarded)");
    }
}
