using Tsumugi.Modeling;
using Tsumugi.Export.Gguf;
using static TorchSharp.torch;

namespace Tsumugi.Cli.Tests;

/// <summary>Replaces a model's matrices by what a GGUF export of the given type stores (norms stay f32, as exported).</summary>
public static class StoredWeights
{
    public static void RoundTrip(LlamaForCausalLM model, GgufTensorType type)
    {
        using var noGrad = no_grad();
        foreach (var (_, p) in model.named_parameters())
        {
            using var scope = NewDisposeScope();
            var values = p.detach().cpu().contiguous().data<float>().ToArray();
            var stored = LlamaGgufExporter.StorageType(p.shape, type) switch
            {
                GgufTensorType.F16 => values.Select(v => (float)(Half)v).ToArray(),
                GgufTensorType.Q8_0 => GgufQuantizer.DequantizeQ8_0(GgufQuantizer.QuantizeQ8_0(values)),
                _ => values,
            };
            p.copy_(tensor(stored, p.shape));
        }
    }
}
