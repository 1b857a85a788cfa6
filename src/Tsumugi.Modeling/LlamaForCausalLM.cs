using TorchSharp;
using TorchSharp.Modules;
using Tsumugi.Modeling.Layers;
using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// Llama / Mistral / Mixtral causal LM with exactly HF's math and HF state_dict names (`model.layers.N.…`,
/// `lm_head.weight`, absent when embeddings are tied). Training forward, KV-cached inference and packed sequences
/// with per-document attention go through the one <see cref="Forward"/> method.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module, Checkpoints.ICheckpointExplainer
{
    readonly LlamaModel model;
    readonly Linear? lm_head;
    readonly RotaryEmbedding _rope;
    /// <summary>Gemma 2's final logit softcap (a long-lived Scalar, see StableScalars), or null.</summary>
    readonly Scalar? _logitCap;

    public LlamaConfig Config { get; }

    /// <summary>Before any model's first matmul: oneMKL's AVX-512 kernels on AVX-512 CPUs of any vendor.</summary>
    static LlamaForCausalLM() => MklVendorDispatch.Apply();

    public LlamaForCausalLM(LlamaConfig config) : base(nameof(LlamaForCausalLM))
    {
        config.Validate();
        Config = config;
        model = new LlamaModel(config);
        if (!config.TieWordEmbeddings) lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        _rope = new RotaryEmbedding(config);
        _logitCap = config.LogitSoftcap?.ToScalar();
        RegisterComponents();
    }

    /// <summary>HF initialisation: every Linear and Embedding weight ~ N(0, initializer_range), biases 0, norms 1 (0 for Gemma's 1 + w norms).</summary>
    public void InitializeWeights(long seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new Generator((ulong)seed);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("layernorm.weight") || name == "model.norm.weight")
            {
                if (Config.NormAddsOne) p.zero_();
                else p.fill_(StableScalars.One);
            }
            else if (name.EndsWith(".bias")) p.zero_();
            else p.normal_(0, Config.InitializerRange, generator);
        }
    }

    /// <summary>Names the config value that makes <paramref name="tensor"/> expected (missing) or not (unexpected).</summary>
    public string? ExplainMismatch(string tensor, bool missing)
    {
        var c = Config;
        string type = $"config model_type {c.ModelType}";
        string? Expects(bool expected, string what, string because) => expected == missing ? (missing ? $"{because} expects {what}" : $"{because} has no {what}") : null;
        if (tensor == "lm_head.weight") return Expects(!c.TieWordEmbeddings, "an untied lm_head", $"config tie_word_embeddings {(c.TieWordEmbeddings ? "true" : "false")}");
        if (tensor.EndsWith("_layernorm.weight") && tensor.Contains("feedforward_layernorm"))
            return Expects(c.SandwichNorms, "pre/post-feedforward norms (Gemma 2's sandwich norms)", type);
        if (tensor.EndsWith("self_attn.o_proj.bias")) return Expects(c.OProjBias, "an o_proj bias", $"{type}, attention_bias {(c.AttentionBias ? "true" : "false")}");
        if (tensor.Contains("self_attn.") && tensor.EndsWith("_proj.bias"))
            return Expects(c.QkvBias, "q/k/v biases", c.ModelType == "qwen2" ? type : $"{type}, attention_bias {(c.AttentionBias ? "true" : "false")}");
        if (tensor.Contains(".mlp.") && tensor.EndsWith(".bias")) return Expects(c.MlpProjBias, "MLP biases", $"{type}, mlp_bias {(c.MlpBias ? "true" : "false")}");
        if (tensor.Contains("block_sparse_moe") || tensor.Contains(".mlp.experts") || tensor.EndsWith(".mlp.gate.weight"))
            return $"{type}, num_local_experts {c.NumLocalExperts}";
        if (tensor.StartsWith("model.layers.") && int.TryParse(tensor.Split('.')[2], out var layer) && layer >= c.NumHiddenLayers)
            return $"config num_hidden_layers is {c.NumHiddenLayers}";
        return null;
    }

    /// <summary>NEFTune noise on the embeddings while training (<see cref="LlamaModel.NeftuneAlpha"/>).</summary>
    public double NeftuneAlpha
    {
        get => model.NeftuneAlpha;
        set => model.NeftuneAlpha = value;
    }

    /// <summary>
    /// Activation checkpointing per decoder layer while training (<see cref="LlamaModel.GradientCheckpointing"/>).
    /// MoE models are refused: their router logits would lose the aux loss's gradient.
    /// </summary>
    public bool GradientCheckpointing
    {
        get => model.GradientCheckpointing;
        set
        {
            if (value && Config.IsMoE) throw new NotSupportedException(Layers.CheckpointedLayer.MoENotSupported);
            model.GradientCheckpointing = value;
        }
    }

    /// <param name="inputIds">[B, T] token ids.</param>
    /// <param name="labels">[B, T] targets = the input ids (−100 to ignore); shifted inside, never pass them pre-shifted.</param>
    /// <param name="cache">KV cache for inference: this call's tokens follow the cached ones.</param>
    /// <param name="documentIds">[B, T] document numbering for packed sequences: positions restart and attention stops at boundaries.</param>
    /// <param name="zLossCoef">PaLM z-loss coefficient (0 = off; 1e-4 is the usual value).</param>
    /// <param name="numItemsInBatch">Scored tokens in the whole accumulated batch, for exact gradient accumulation.</param>
    /// <param name="lastTokenLogitsOnly">Compute logits for the last position only (generation prefill).</param>
    public CausalLMOutput Forward(Tensor inputIds, Tensor? labels = null, KVCache? cache = null, Tensor? documentIds = null,
        double zLossCoef = 0, long? numItemsInBatch = null, bool lastTokenLogitsOnly = false)
    {
        var (hidden, routerLogits) = Hidden(inputIds, cache, documentIds);
        if (lastTokenLogitsOnly) hidden = hidden.narrow(1, hidden.shape[1] - 1, 1);
        var logits = Head(hidden);
        if (labels is null) return new CausalLMOutput(logits, null, null, null, null);
        var shifted = CausalLMLoss.ShiftLabels(labels);
        var denominator = CausalLMLoss.Denominator(shifted, numItemsInBatch);
        var z = zLossCoef > 0 ? CausalLMLoss.ZLossSum(logits, shifted) / denominator : null;
        var (loss, ce, aux) = Combine(CausalLMLoss.CrossEntropySum(logits, shifted) / denominator, z, zLossCoef, routerLogits);
        return new CausalLMOutput(logits, loss, ce, z, aux);
    }

    /// <summary>
    /// The training loss, equal to <c>Forward(labels: …).Loss</c>, without materialising the [B, T, V] logits: the
    /// vocabulary projection and cross-entropy run over chunks of at most <see cref="LossChunkLogits"/> logits. The
    /// full logits are the largest activation of a small model (134 MB at 8×512 tokens × 8k vocabulary); in chunks
    /// they stay below glibc's mmap threshold and are reused instead of page-faulted in afresh every step.
    /// </summary>
    /// <param name="rowSums">Also return each row's summed cross-entropy (detached), for per-domain loss.</param>
    public TrainingLossOutput TrainingLoss(Tensor inputIds, Tensor labels, Tensor? documentIds = null, double zLossCoef = 0,
        long? numItemsInBatch = null, long chunkLogits = LossChunkLogits, bool rowSums = false)
    {
        var (hidden, routerLogits) = Hidden(inputIds, null, documentIds);
        var shifted = CausalLMLoss.ShiftLabels(labels).reshape(-1);
        Tensor? ceSum = null, zSum = null;
        var tokenLosses = rowSums ? new List<Tensor>() : null;
        foreach (var (logits, target) in HeadChunks(hidden, shifted, chunkLogits))
        {
            Tensor part;
            if (tokenLosses is null) part = CausalLMLoss.CrossEntropySum(logits, target);
            else
            {
                var perToken = CausalLMLoss.CrossEntropyPerToken(logits, target);
                tokenLosses.Add(perToken.detach());
                part = perToken.sum();
            }
            ceSum = ceSum is null ? part : ceSum.Plus(part);
            if (zLossCoef > 0)
            {
                var zPart = CausalLMLoss.ZLossSum(logits, target);
                zSum = zSum is null ? zPart : zSum.Plus(zPart);
            }
        }
        var denominator = CausalLMLoss.Denominator(shifted, numItemsInBatch);
        var z = zSum is null ? null : zSum / denominator;
        var (loss, ce, aux) = Combine(ceSum! / denominator, z, zLossCoef, routerLogits);
        var perRow = tokenLosses is null ? null : cat(tokenLosses.ToArray(), 0).reshape(inputIds.shape[0], -1).sum(1);
        return new TrainingLossOutput(loss, ce, z, aux, perRow, routerLogits);
    }

    /// <summary>
    /// One decode step for the first n rows of a ragged <paramref name="cache"/> (sequences of different lengths decoded
    /// together): row i's new token sits at position <paramref name="rowLengths"/>[i], its cached length, and attends
    /// to that row's positions only. Returns the next-token logits [n, vocab]. The caller owns the row lengths (each
    /// grows by one per step) and fills new rows through <see cref="KVCache.Row"/> with <see cref="Forward"/>.
    /// </summary>
    public Tensor DecodeRows(Tensor inputIds, KVCache cache, long[] rowLengths)
    {
        long n = rowLengths.Length;
        if (inputIds.shape[0] != n || inputIds.shape[1] != 1)
            throw new ArgumentException($"DecodeRows takes one token per row: ids [{n}, 1], got [{string.Join(", ", inputIds.shape)}].");
        var device = inputIds.device;
        var positions = tensor(rowLengths, [n, 1], device: device);
        var (cos, sin) = _rope.Table(positions, 0, 1, model.WeightFormat().DType, device);
        long keyLength = rowLengths.Max() + 1;
        var key = arange(keyLength, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var allowed = key <= positions;
        Tensor? windowed = null;
        if (Config.SlidingWindow is { } w && Config.HasWindowedLayers)
        {
            using var window = w.ToScalar(); // kept alive by the using: see StableScalars
            windowed = (allowed & (key > positions.sub(window))).view(n, 1, 1, keyLength);
        }
        var writeIndex = positions.view(n, 1, 1, 1).expand(n, Config.NumKeyValueHeads, 1, Config.HeadDim);
        var ctx = new AttentionContext(cos, sin, allowed.view(n, 1, 1, keyLength), false, cache, writeIndex, keyLength, windowed);
        var hidden = model.Forward(inputIds, ctx, Config.IsMoE ? [] : null);
        return Head(hidden).squeeze(1);
    }

    /// <summary>
    /// Per-token log-probabilities for scoring (perplexity, multiple choice): [B, T] where position t holds
    /// log p(labels[t+1] | tokens ≤ t), 0 where that label is −100 (and at the last position). Computed in fp32 over
    /// vocabulary chunks like <see cref="TrainingLoss"/>: batches of long rows never materialise [B, T, V] logits,
    /// which above glibc's mmap threshold would be page-faulted in afresh for every batch. With a lock-step
    /// <paramref name="cache"/> the rows continue the cached tokens (a shared prompt scored once), and the cache advances.
    /// </summary>
    public Tensor TokenLogProbs(Tensor inputIds, Tensor labels, KVCache? cache = null, long chunkLogits = LossChunkLogits)
    {
        var (hidden, _) = Hidden(inputIds, cache, null);
        var shifted = CausalLMLoss.ShiftLabels(labels).reshape(-1);
        var parts = HeadChunks(hidden, shifted, chunkLogits).Select(c => -CausalLMLoss.CrossEntropyPerToken(c.Logits, c.Target)).ToArray();
        return cat(parts, 0).reshape(inputIds.shape[0], inputIds.shape[1]);
    }

    /// <summary>The vocabulary projection of the flattened hidden states in chunks of at most <paramref name="chunkLogits"/> logits, with their targets.</summary>
    IEnumerable<(Tensor Logits, Tensor Target)> HeadChunks(Tensor hidden, Tensor shiftedFlat, long chunkLogits)
    {
        var flat = hidden.reshape(-1, hidden.shape[^1]);
        long rows = flat.shape[0], chunk = Math.Max(1, chunkLogits / Config.VocabSize);
        for (long start = 0; start < rows; start += chunk)
        {
            long length = Math.Min(chunk, rows - start);
            yield return (Head(flat.narrow(0, start, length)), shiftedFlat.narrow(0, start, length));
        }
    }

    /// <summary>Largest number of logits one chunk of <see cref="TrainingLoss"/> materialises (16 MB in fp32).</summary>
    public const long LossChunkLogits = 4L << 20;

    (Tensor Hidden, List<Tensor>? RouterLogits) Hidden(Tensor inputIds, KVCache? cache, Tensor? documentIds)
    {
        if (documentIds is not null && cache is not null)
            throw new ArgumentException("documentIds (packed sequences) cannot be combined with a KV cache.");
        long t = inputIds.shape[1];
        long past = cache?.Length ?? 0;
        var device = inputIds.device;
        var positions = documentIds is null ? null : AttentionMasks.PositionsFromDocuments(documentIds);
        var (cos, sin) = _rope.Table(positions, past, t, model.WeightFormat().DType, device);
        var ctx = new AttentionContext(cos, sin, Mask(t, past, documentIds, device, out bool causal), causal, cache,
            WindowMask: WindowMask(t, past, documentIds, device));
        var routerLogits = Config.IsMoE ? new List<Tensor>() : null;
        var hidden = model.Forward(inputIds, ctx, routerLogits);
        cache?.Advance(t);
        return (hidden, routerLogits);
    }

    /// <summary>The vocabulary projection (tied or lm_head), then Gemma 2's tanh(l/cap)·cap where configured.</summary>
    Tensor Head(Tensor hidden)
    {
        Tensor logits;
        if (lm_head is not null) logits = lm_head.forward(hidden);
        else
        {
            using var scope = NewDisposeScope(); // frees the handle the tied-weight getter creates; autograd keeps its own reference
            logits = nn.functional.linear(hidden, model.EmbeddingWeight).MoveToOuterDisposeScope();
        }
        return _logitCap is null ? logits : logits.div(_logitCap).tanh().mul(_logitCap);
    }

    /// <summary>Total = cross-entropy + z-loss term + router aux-loss term (MoE).</summary>
    (Tensor Loss, Tensor CrossEntropy, Tensor? Aux) Combine(Tensor ce, Tensor? z, double zLossCoef, List<Tensor>? routerLogits)
    {
        // Scalars in usings, sums through Plus: no temporary Scalar the finalizer could free mid-op (see StableScalars).
        using var zCoef = zLossCoef.ToScalar();
        using var auxCoef = Config.RouterAuxLossCoef.ToScalar();
        var loss = z is null ? ce : ce.Plus(z.mul(zCoef)); // the same ops as ce + coef * z, so the same rounding
        Tensor? aux = null;
        if (routerLogits is { Count: > 0 })
        {
            aux = CausalLMLoss.LoadBalancing(routerLogits, Config.NumLocalExperts, Config.NumExpertsPerTok);
            loss = loss.Plus(aux.mul(auxCoef));
        }
        return (loss, ce, aux);
    }

    /// <summary>
    /// The pattern of the globally attending layers, the cheapest correct one: SDPA's built-in causal path when it
    /// suffices. Where every layer has a window shorter than the keys (Mistral), that is the only pattern, built here.
    /// </summary>
    Tensor? Mask(long t, long past, Tensor? documentIds, Device device, out bool causal)
    {
        causal = false;
        int? window = !Config.HasGlobalLayers && Config.SlidingWindow is { } w && w < past + t ? w : null;
        if (documentIds is not null) return AttentionMasks.DocumentCausal(documentIds, window);
        if (t == 1 && window is null) return null; // one new token attends to everything cached
        if (past == 0 && window is null)
        {
            causal = true;
            return null;
        }
        return AttentionMasks.Causal(past, t, window, device).unsqueeze(0).unsqueeze(0);
    }

    /// <summary>
    /// The pattern of the sliding-window layers when the model mixes them with global ones (Gemma 2, Qwen2 with
    /// use_sliding_window) and the window is shorter than the keys; null otherwise (they then share <see cref="Mask"/>).
    /// </summary>
    Tensor? WindowMask(long t, long past, Tensor? documentIds, Device device)
    {
        if (!Config.HasGlobalLayers || !Config.HasWindowedLayers || Config.SlidingWindow is not { } w || w >= past + t) return null;
        return documentIds is not null
            ? AttentionMasks.DocumentCausal(documentIds, w)
            : AttentionMasks.Causal(past, t, w, device).unsqueeze(0).unsqueeze(0);
    }

    /// <remarks>
    /// Float16 weights on a CPU get a float32 cache: libtorch's CPU attention in float16 grows ≈ 2.5× slower per token
    /// from 64 to 1,024 cached positions while float32 stays flat, and converting one new token's keys/values per step
    /// costs nothing next to that (attention then runs in float32, see <see cref="Layers.LlamaAttention"/>).
    /// </remarks>
    public KVCache NewCache(long batchSize, long capacity)
    {
        var (dtype, device) = model.WeightFormat();
        if (dtype == ScalarType.Float16 && device.type == TorchSharp.DeviceType.CPU) dtype = ScalarType.Float32;
        return new(Config, batchSize, capacity, dtype, device);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rope.Dispose();
            _logitCap?.Dispose();
        }
        base.Dispose(disposing);
    }
}
