using Spectre.Console;
using Tsumugi.Modeling;

namespace Tsumugi.Cli.Commands;

/// <summary>The `model info` tables: architecture, parameters, FLOPs per token and memory.</summary>
public static class ModelReport
{
    public static void Print(LlamaConfig c, int seqLength, int batch = 1)
    {
        var a = ModelAccounting.For(c);
        var arch = new Table().Title("architecture").AddColumns("key", "value");
        arch.AddRow("model_type", $"{c.ModelType} ({string.Join(", ", c.Architectures)})");
        arch.AddRow("layers × hidden", $"{c.NumHiddenLayers} × {c.HiddenSize} (intermediate {c.IntermediateSize})");
        arch.AddRow("attention", $"{c.NumAttentionHeads} heads, {c.NumKeyValueHeads} KV heads, head_dim {c.HeadDim}" +
                                 (c.SlidingWindow is { } w ? $", sliding window {w}" : ""));
        arch.AddRow("rope", $"theta {c.RopeTheta:G}" + (c.RopeScaling is { } r ? $", {r.Type} ×{r.Factor:G}" : ""));
        if (c.IsMoE) arch.AddRow("experts", $"{c.NumLocalExperts} experts, top-{c.NumExpertsPerTok}, aux coef {c.RouterAuxLossCoef:G}");
        arch.AddRow("vocabulary", $"{c.VocabSize:N0}" + (c.TieWordEmbeddings ? " (tied embeddings)" : ""));
        arch.AddRow("context", $"{c.MaxPositionEmbeddings:N0}");
        AnsiConsole.Write(arch);

        var numbers = new Table().Title($"compute (sequence length {seqLength:N0})").AddColumns("quantity", "value");
        numbers.AddRow("parameters (total)", $"{a.TotalParameters:N0} ({Human(a.TotalParameters)})");
        numbers.AddRow("parameters (active per token)", $"{a.ActiveParameters:N0} ({Human(a.ActiveParameters)})");
        numbers.AddRow("embedding parameters", $"{a.EmbeddingParameters:N0}");
        numbers.AddRow("training FLOPs / token", $"{a.TrainingFlopsPerToken(c, seqLength):E3} (6·N_matmul + 12·L·H·T)");
        numbers.AddRow("inference FLOPs / token", $"{a.InferenceFlopsPerToken(c, seqLength):E3}");
        AnsiConsole.Write(numbers);

        var memory = new Table().Title("memory").AddColumns("what", "fp32", "bf16");
        memory.AddRow("weights", Bytes(a.TotalParameters * 4), Bytes(a.TotalParameters * 2));
        var fp32 = a.TrainingMemory(4, fp32Master: false);
        var bf16 = a.TrainingMemory(2, fp32Master: true);
        memory.AddRow("training: weights + grads + AdamW, 16 B/param (no activations)",
            Bytes(fp32.Weights + fp32.Gradients + fp32.OptimizerStates), Bytes(bf16.Weights + bf16.Gradients + bf16.OptimizerStates) + " (fp32 master)");
        // Activations: ActivationMemory's count of what our layers keep for backward (CPU SDPA: no T×T matrix).
        foreach (var checkpointing in new[] { false, true })
            memory.AddRow($"activations, {batch} × {seqLength:N0} tokens{(checkpointing ? ", gradient_checkpointing" : "")}",
                Bytes((long)ActivationMemory.PeakBytes(c, batch, seqLength, 4, checkpointing)),
                Bytes((long)ActivationMemory.PeakBytes(c, batch, seqLength, 2, checkpointing)));
        memory.AddRow("KV cache per token", Bytes(ModelAccounting.KVCacheBytesPerToken(c, 4)), Bytes(ModelAccounting.KVCacheBytesPerToken(c, 2)));
        memory.AddRow($"KV cache at {seqLength:N0} tokens", Bytes(ModelAccounting.KVCacheBytesPerToken(c, 4) * seqLength), Bytes(ModelAccounting.KVCacheBytesPerToken(c, 2) * seqLength));
        AnsiConsole.Write(memory);
    }

    static string Human(long n) => n >= 1e9 ? $"{n / 1e9:F2}B" : n >= 1e6 ? $"{n / 1e6:F1}M" : $"{n / 1e3:F1}K";

    static string Bytes(long b) => b >= 1L << 30 ? $"{b / (double)(1L << 30):F2} GiB" : b >= 1 << 20 ? $"{b / (double)(1 << 20):F1} MiB" : $"{b / 1024.0:F1} KiB";
}
