using System.CommandLine;
using System.Diagnostics;
using Tsumugi.Export.Gguf;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi export gguf`: a model directory as a single GGUF file for llama.cpp and its bindings.</summary>
public static class ExportCommands
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "export";
    internal const string Description =
        "Export a model directory to other runtimes' formats.";

    public static Command Create()
    {
        var export = new Command(Name, Description);
        export.Add(Gguf());
        return export;
    }

    static Command Gguf()
    {
        var model = CommonOptions.Model("HF model directory with config.json, weights and tokenizer.model.");
        var output = CommonOptions.Output("GGUF file to write.");
        var quant = new Option<string>("--quant", "--type")
        {
            Description = "Quantisation, as llama-quantize names it: q4_k_m, q5_k_m, q6_k, q4_0, q8_0, f16 or f32 " +
                "(norms and the MoE router stay f32; the *_m mixtures give attn_v/ffn_down of some layers and the output Q6_K). " +
                "--type is the older name.",
            DefaultValueFactory = _ => "f16",
        };
        quant.AcceptOnlyFromAmong([.. GgufFileTypes.Names]);
        var command = new Command("gguf", "Write a llama.cpp GGUF file (llama architecture, dense or Mixtral, SentencePiece vocabulary, chat template).")
        {
            model, output, quant,
        };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(quant)!;
            var path = parse.GetValue(output)!;
            var watch = Stopwatch.StartNew();
            var plan = LlamaGgufExporter.Export(parse.GetValue(model)!, path, GgufFileTypes.Parse(name));
            CliApp.Info($"Wrote {path} ({name}, {new FileInfo(path).Length:N0} bytes, {watch.Elapsed.TotalSeconds:0.0} s; tensors {LlamaGgufExporter.TypeCounts(plan)})");
            return 0;
        });
        return command;
    }
}
