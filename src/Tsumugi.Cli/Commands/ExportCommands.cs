using System.CommandLine;
using Tsumugi.Export.Gguf;

namespace Tsumugi.Cli.Commands;

/// <summary>`tsumugi export gguf`: a model directory as a single GGUF file for llama.cpp and its bindings.</summary>
public static class ExportCommands
{
    public static Command Create()
    {
        var export = new Command("export", "Export a model directory to other runtimes' formats.");
        export.Add(Gguf());
        return export;
    }

    static Command Gguf()
    {
        var model = CommonOptions.Model("HF model directory with config.json, weights and tokenizer.model.");
        var output = CommonOptions.Output("GGUF file to write.");
        var type = new Option<string>("--type") { Description = "Type of the weight matrices: f32, f16 or q8_0 (norms stay f32).", DefaultValueFactory = _ => "f16" };
        type.AcceptOnlyFromAmong("f32", "f16", "q8_0");
        var command = new Command("gguf", "Write a llama.cpp GGUF file (llama architecture, SentencePiece vocabulary, chat template).")
        {
            model, output, type,
        };
        command.SetAction(parse =>
        {
            var tensorType = parse.GetValue(type) switch
            {
                "f32" => GgufTensorType.F32,
                "q8_0" => GgufTensorType.Q8_0,
                _ => GgufTensorType.F16,
            };
            var path = parse.GetValue(output)!;
            LlamaGgufExporter.Export(parse.GetValue(model)!, path, tensorType);
            CliApp.Info($"Wrote {path} ({parse.GetValue(type)}, {new FileInfo(path).Length:N0} bytes)");
            return 0;
        });
        return command;
    }
}
