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
        var n = Count(c);
        return new ModelAccounting((long)n.Total, (long)n.Active, (long)n.Embedding, (long)n.Matmul);
    }

    /// <summary>The total parameter count in double, for checking sizes that would overflow <see cref="For"/>'s longs.</summary>
    public static double TotalParametersEstimate(LlamaConfig c) => Count(c).Total;

    /// <summary>
    /// The counts in double (exact below 2^53): q/k/v and o biases where the config has them (Qwen2's q/k/v), two
    /// norms per layer (four with Gemma 2's sandwich norms), the final norm.
    /// </summary>
    static (double Total, double Active, double Embedding, double Matmul) Count(LlamaConfig c)
    {
        double h = c.HiddenSize, d = c.HeadDim, v = c.VocabSize, inter = c.IntermediateSize;
        double q = c.NumAttentionHeads * d, kv = c.NumKeyValueHeads * d;
        double attention = h * q + 2 * h * kv + q * h + (c.QkvBias ? q + 2 * kv : 0) + (c.OProjBias ? h : 0);
        double mlpOne = 3 * h * inter + (c.MlpProjBias && !c.IsMoE ? 2 * inter + h : 0);
        double norms = (c.SandwichNorms ? 4 : 2) * h;
        double router = c.IsMoE ? h * c.NumLocalExperts : 0;
        double expertsTotal = c.IsMoE ? mlpOne * c.NumLocalExperts : mlpOne;
        double expertsActive = c.IsMoE ? mlpOne * c.NumExpertsPerTok : mlpOne;
        double embedding = v * h;
        double head = c.TieWordEmbeddings ? 0 : v * h;
        double perLayerTotal = attention + norms + router + expertsTotal;
        double perLayerActive = attention + norms + router + expertsActive;
        double total = c.NumHiddenLayers * perLayerTotal + embedding + head + h;
        double active = c.NumHiddenLayers * perLayerActive + embedding + head + h;
        // The output projection is a matmul even when it shares the embedding's weights.
        double matmul = c.NumHiddenLayers * perLayerActive + v * h + h;
        return (total, active, embedding, matmul);
    }

    /// <summary>
    /// Training FLOPs per token at sequence length <paramref name="seqLength"/> (forward + backward); a sliding-window
    /// layer attends to at most its window.
    /// </summary>
    public double TrainingFlopsPerToken(LlamaConfig c, long seqLength)
    {
        double keys = Enumerable.Range(0, c.NumHiddenLayers).Sum(l => (double)Math.Min(seqLength, c.LayerSlidingWindow(l) ?? seqLength));
        return 6.0 * MatmulParametersActive + 12.0 * c.NumAttentionHeads * c.HeadDim * keys;
    }

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
