namespace Tsumugi.Modeling;

/// <summary>
/// Parameter, FLOP and memory accounting from a config alone (no weights needed), following PaLM/nanoGPT for FLOPs
/// (6·N_matmul + 12·L·heads·head_dim·T per token, forward + backward, no causal discount) and torchtitan for MoE
/// (active = dense part + router + experts · top_k / num_experts; the input embedding lookup is not a matmul).
/// </summary>
public sealed record ModelAccounting(
    long TotalParameters,
    long ActiveParameters,
    long EmbeddingParameters,
    long MatmulParametersActive)
{
    public static ModelAccounting For(LlamaConfig c)
    {
        long h = c.HiddenSize, d = c.HeadDim, v = c.VocabSize;
        long q = c.NumAttentionHeads * d, kv = c.NumKeyValueHeads * d;
        long attention = h * q + 2 * h * kv + q * h + (c.AttentionBias ? q + 2 * kv + h : 0);
        long mlpOne = 3 * h * c.IntermediateSize + (c.MlpBias && !c.IsMoE ? 2 * c.IntermediateSize + h : 0);
        long norms = 2 * h;
        long router = c.IsMoE ? h * c.NumLocalExperts : 0;
        long expertsTotal = c.IsMoE ? mlpOne * c.NumLocalExperts : mlpOne;
        long expertsActive = c.IsMoE ? mlpOne * c.NumExpertsPerTok : mlpOne;
        long embedding = v * h;
        long head = c.TieWordEmbeddings ? 0 : v * h;
        long perLayerTotal = attention + norms + router + expertsTotal;
        long perLayerActive = attention + norms + router + expertsActive;
        long total = c.NumHiddenLayers * perLayerTotal + embedding + head + h;
        long active = c.NumHiddenLayers * perLayerActive + embedding + head + h;
        // The output projection is a matmul even when it shares the embedding's weights.
        long matmul = c.NumHiddenLayers * perLayerActive + v * h + h;
        return new ModelAccounting(total, active, embedding, matmul);
    }

    /// <summary>Training FLOPs per token at sequence length <paramref name="seqLength"/> (forward + backward).</summary>
    public double TrainingFlopsPerToken(LlamaConfig c, long seqLength) =>
        6.0 * MatmulParametersActive + 12.0 * c.NumHiddenLayers * c.NumAttentionHeads * c.HeadDim * seqLength;

    /// <summary>Forward-only FLOPs per token (inference): a third of the training figure.</summary>
    public double InferenceFlopsPerToken(LlamaConfig c, long seqLength) => TrainingFlopsPerToken(c, seqLength) / 3.0;

    /// <summary>Bytes per token of KV cache: 2 (K and V) · layers · kv_heads · head_dim · bytes per element.</summary>
    public static long KVCacheBytesPerToken(LlamaConfig c, int bytesPerElement) =>
        2L * c.NumHiddenLayers * c.NumKeyValueHeads * c.HeadDim * bytesPerElement;

    /// <summary>
    /// Training memory for weights, gradients and AdamW moments (activations excluded: they depend on batch and
    /// sequence). fp32: 4+4+8 = 16 bytes/param; bf16 weights+grads with fp32 master and moments: 2+2+4+8 = 16 too,
    /// but reported separately so the split is visible.
    /// </summary>
    public (long Weights, long Gradients, long OptimizerStates) TrainingMemory(int weightBytes, bool fp32Master) =>
        (TotalParameters * weightBytes, TotalParameters * weightBytes,
         TotalParameters * 8 + (fp32Master && weightBytes != 4 ? TotalParameters * 4 : 0));
}
