using System.Globalization;
using Tsumugi.Modeling;

namespace Tsumugi.Cli.Tests;

/// <summary>`model info`'s memory plan for a real 8B shape (Llama-3.1-8B), checked against a hand count of its tensors.</summary>
[Collection("cli")] // CliRunner and SpectreOutput swap process-wide consoles: never beside another CLI test
public sealed class ModelMemoryPlanTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-plan-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    const long Vocab = 128256, Hidden = 4096, Inter = 14336, Layers = 32, Heads = 32, KvHeads = 8, HeadDim = 128;

    /// <summary>Every tensor of the checkpoint: embed + lm_head, per layer q/k/v/o + gate/up/down + 2 norms, final norm.</summary>
    static long HandCountedParameters() =>
        2 * Vocab * Hidden
        + Layers * (Hidden * Heads * HeadDim + 2 * Hidden * KvHeads * HeadDim + Heads * HeadDim * Hidden + 3 * Hidden * Inter + 2 * Hidden)
        + Hidden;

    [Fact]
    public void Info_For8B_PrintsSixteenBytesPerParameterAndBothActivationFigures()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), $$"""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": {{Vocab}}, "hidden_size": {{Hidden}},
             "intermediate_size": {{Inter}}, "num_hidden_layers": {{Layers}}, "num_attention_heads": {{Heads}},
             "num_key_value_heads": {{KvHeads}}, "max_position_embeddings": 131072, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
             "tie_word_embeddings": false, "bos_token_id": 128000, "eos_token_id": 128001}
            """);
        var (code, stdout, _) = SpectreOutput.Run("model", "info", _dir, "--seq-length", "2048", "--batch", "2");
        Assert.Equal(0, code);
        var n = HandCountedParameters();
        Assert.Contains(n.ToString("N0", CultureInfo.InvariantCulture), stdout);
        Assert.Contains(Gib(16.0 * n), stdout); // fp32 (4 + 4 + 8) and bf16 + fp32 master (2 + 2 + 4 + 8) alike
        Assert.Contains(Gib(4.0 * n), stdout);  // inference weights fp32
        Assert.Contains(Gib(2.0 * n), stdout);  // and bf16
        Assert.Contains("activations, 2 × 2,048 tokens, gradient_checkpointing", stdout);
        Assert.Contains(Gib(ActivationMemory.PeakBytes(LlamaConfig.Load(_dir), 2, 2048, 2, checkpointing: true)), stdout);
    }

    [Fact]
    public void KeptBytes_Checkpointed8B_KeepsOneHiddenStatePerLayerInsteadOfTheLayersActivations()
    {
        var c = new LlamaConfig { VocabSize = (int)Vocab, HiddenSize = (int)Hidden, IntermediateSize = (int)Inter, NumHiddenLayers = (int)Layers,
            NumAttentionHeads = (int)Heads, NumKeyValueHeads = (int)KvHeads };
        // Head part (embeddings out, final norm, 3 fp32 vocab-wide tensors) is the same with and without checkpointing.
        double tokens = 2048, head = tokens * (3 * Hidden * 2 + 3 * Vocab * 4);
        var plain = ActivationMemory.KeptBytes(c, 1, 2048, 2, checkpointing: false) - head;
        var checkpointed = ActivationMemory.KeptBytes(c, 1, 2048, 2, checkpointing: true) - head;
        // Per layer and token: 4h + 5q + 4kv + 4i elements without, h with (q = 4096, kv = 1024 here).
        var factor = (4.0 * Hidden + 5 * Heads * HeadDim + 4 * KvHeads * HeadDim + 4 * Inter) / Hidden;
        Assert.Equal(factor, plain / checkpointed, 9);
        Assert.Equal(tokens * Layers * Hidden * 2, checkpointed, 0);
    }

    static string Gib(double bytes) => (bytes / (1L << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB";
}
