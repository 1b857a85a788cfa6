using Tsumugi.Modeling;
using Tsumugi.Export.Gguf;
using static TorchSharp.torch;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// Replaces a model's weights by what a GGUF export of the given file type stores, decoded as llama.cpp reads them
/// (each HF weight gets the type of the GGUF tensor it goes into; quantization is per row, so stacking experts or
/// permuting Wq/Wk rows does not change a weight's stored values).
/// </summary>
public static class StoredWeights
{
    public static void RoundTrip(LlamaForCausalLM model, GgufFileType fileType)
    {
        var types = LlamaGgufExporter.Plan(model.Config, fileType)
            .SelectMany(t => t.Sources.Select(s => (Source: s, t.Type))).ToDictionary(p => p.Source, p => p.Type);
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            using var scope = NewDisposeScope();
            if (!types.TryGetValue(name, out var type)) throw new InvalidOperationException($"{name} is not exported");
            var values = p.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
            p.copy_(tensor(GgufQuantizer.RoundTrip(type, values), p.shape));
        }
    }
}
