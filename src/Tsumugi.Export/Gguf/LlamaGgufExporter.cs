using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Modeling;
using Tsumugi.Modeling.Layers;
using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;
using static TorchSharp.torch;

namespace Tsumugi.Export.Gguf;

/// <summary>One tensor of the GGUF file: its name, PyTorch-order shape, stored type and the HF weights it is made of.</summary>
/// <param name="Sources">The HF state-dict names, one per slice of the first dimension when several are stacked
/// (Mixtral's experts), else one.</param>
/// <param name="Computed">The values of a tensor derived from the config rather than read from the weights
/// (Llama 3.1's <c>rope_freqs.weight</c>); its <paramref name="Sources"/> are empty.</param>
public sealed record GgufTensorPlan(string Name, long[] Shape, GgufTensorType Type, IReadOnlyList<string> Sources, Func<float[]>? Computed = null);

/// <summary>
/// Exports a Llama/Mistral/Mixtral, Qwen2 or Gemma 2 model directory (config.json, safetensors, tokenizer files) as a
/// GGUF file that llama.cpp loads with <c>general.architecture</c> "llama", "qwen2" or "gemma2": tensor names and
/// metadata as convert_hf_to_gguf.py writes them, the llama architecture's Wq/Wk rows permuted from HF's rotate_half
/// layout (<see cref="RopePermutation"/>), Gemma's norm weights stored as 1 + w, Mixtral's experts
/// stacked into 3-D <c>ffn_{gate,up,down}_exps</c> tensors, and each tensor in the type
/// <see cref="GgufTensorTypeRules"/> picks for the file type.
/// </summary>
public static class LlamaGgufExporter
{
    /// <summary>Writes the file and returns its tensors (their stored types for reporting).</summary>
    public static IReadOnlyList<GgufTensorPlan> Export(string modelDirectory, string outputPath, GgufFileType fileType)
    {
        if (!Directory.Exists(modelDirectory)) throw new DirectoryNotFoundException($"{modelDirectory}: model directory not found.");
        var vocabulary = VocabularyWriter(modelDirectory);
        using var model = HfModelDirectory.Load(modelDirectory);
        var name = new DirectoryInfo(Path.GetFullPath(modelDirectory)).Name;
        var writer = Build(model, vocabulary, fileType, name, out var plan);
        writer.WriteFile(outputPath);
        return plan;
    }

    /// <summary>The writer with all metadata and tensors; tensor data is read from <paramref name="model"/> when written.</summary>
    /// <param name="vocabulary">Writes the tokenizer.* keys for the model's vocabulary size (<see cref="VocabularyWriter"/>).</param>
    public static GgufWriter Build(LlamaForCausalLM model, Action<GgufWriter, int> vocabulary, GgufFileType fileType, string name,
        out IReadOnlyList<GgufTensorPlan> plan)
    {
        var c = model.Config;
        var arch = Architecture(c);
        CheckSupported(c);
        var writer = new GgufWriter();
        writer.AddString("general.architecture", arch);
        writer.AddString("general.name", name);
        writer.AddUInt32("general.file_type", (uint)fileType);
        if (GgufFileTypes.IsQuantized(fileType)) writer.AddUInt32("general.quantization_version", 2);
        // llama.cpp's llama and qwen2 attend to the whole context; a window on every layer (Mistral) is exact only
        // within it. Gemma 2 windows alternate layers, and llama.cpp does the same (attention.sliding_window).
        int context = arch != "gemma2" && c.HasWindowedLayers && c.LayerSlidingWindow(0) is { } window ? Math.Min(window, c.MaxPositionEmbeddings) : c.MaxPositionEmbeddings;
        writer.AddUInt32($"{arch}.context_length", (uint)context);
        writer.AddUInt32($"{arch}.embedding_length", (uint)c.HiddenSize);
        writer.AddUInt32($"{arch}.block_count", (uint)c.NumHiddenLayers);
        writer.AddUInt32($"{arch}.feed_forward_length", (uint)c.IntermediateSize);
        if (arch == "llama") writer.AddUInt32("llama.rope.dimension_count", (uint)c.HeadDim);
        writer.AddUInt32($"{arch}.attention.head_count", (uint)c.NumAttentionHeads);
        writer.AddUInt32($"{arch}.attention.head_count_kv", (uint)c.NumKeyValueHeads);
        if (c.HeadDimOverride is not null || arch == "gemma2")
        {
            writer.AddUInt32($"{arch}.attention.key_length", (uint)c.HeadDim);
            writer.AddUInt32($"{arch}.attention.value_length", (uint)c.HeadDim);
        }
        writer.AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps);
        writer.AddFloat32($"{arch}.rope.freq_base", (float)c.RopeTheta);
        if (c.RopeScaling is { Type: "linear" } linear)
        {
            writer.AddString($"{arch}.rope.scaling.type", "linear");
            writer.AddFloat32($"{arch}.rope.scaling.factor", (float)linear.Factor);
        }
        if (arch == "gemma2")
        {
            if (c.AttnLogitSoftcapping is { } attnCap) writer.AddFloat32("gemma2.attn_logit_softcapping", (float)attnCap);
            if (c.FinalLogitSoftcapping is { } finalCap) writer.AddFloat32("gemma2.final_logit_softcapping", (float)finalCap);
            if (c.LayerSlidingWindow(0) is { } gemmaWindow) writer.AddUInt32("gemma2.attention.sliding_window", (uint)gemmaWindow);
        }
        if (c.IsMoE)
        {
            writer.AddUInt32("llama.expert_count", (uint)c.NumLocalExperts);
            writer.AddUInt32("llama.expert_used_count", (uint)c.NumExpertsPerTok);
        }
        writer.AddUInt32($"{arch}.vocab_size", (uint)c.VocabSize);
        vocabulary(writer, c.VocabSize);
        plan = Plan(c, fileType);
        AddTensors(writer, model, plan);
        return writer;
    }

    /// <summary>
    /// llama.cpp's architecture for the model type: Llama, Mistral and Mixtral are all "llama"; Qwen2 and Gemma 2
    /// have their own (HF's rotate_half rope layout, so their Wq/Wk rows are written unpermuted).
    /// </summary>
    public static string Architecture(LlamaConfig c) => c.ModelType switch
    {
        "qwen2" => "qwen2",
        "gemma2" => "gemma2",
        _ => "llama",
    };

    static void CheckSupported(LlamaConfig c)
    {
        var arch = Architecture(c);
        if (c.MlpProjBias || (arch != "qwen2" && c.QkvBias) || c.OProjBias)
            throw new InvalidDataException($"GGUF export writes q/k/v biases for qwen2 only; this {c.ModelType} model has attention_bias/mlp_bias tensors llama.cpp's {arch} architecture does not read.");
        if (c.RopeScaling is { Type: not ("default" or "linear" or "llama3") } scaling)
            throw new InvalidDataException($"GGUF export supports rope_scaling default, linear and llama3, not '{scaling.Type}'.");
        if (c.RopeScaling is { Type: "llama3" } && arch != "llama")
            throw new InvalidDataException($"llama3 rope_scaling is exported for the llama architecture only, not {arch}.");
        // llama.cpp scales Gemma 2's queries by 1/√head_dim (1/√(hidden/heads) for the 27B); another scalar would change every score.
        if (arch == "gemma2" && c.QueryPreAttnScalar is { } scalar && scalar != c.HeadDim)
            throw new InvalidDataException($"query_pre_attn_scalar ({scalar}) differs from head_dim ({c.HeadDim}); llama.cpp's gemma2 scales queries by 1/√head_dim, so the GGUF would compute other attention.");
        if (arch == "qwen2" && c.HasWindowedLayers)
            throw new InvalidDataException("use_sliding_window is true; llama.cpp's qwen2 attends to the whole context, so the GGUF would compute other attention.");
    }

    /// <summary>
    /// Every tensor of the file in convert_hf_to_gguf.py's order and naming, with the type it is stored in. Shapes
    /// are PyTorch order; stacked experts are [n_expert, n_ff, n_embd] (gate, up) and [n_expert, n_embd, n_ff]
    /// (down), i.e. ggml ne = (n_embd, n_ff, n_expert) and (n_ff, n_embd, n_expert).
    /// </summary>
    public static IReadOnlyList<GgufTensorPlan> Plan(LlamaConfig c, GgufFileType fileType)
    {
        var shape = new GgufModelShape(c.NumHiddenLayers, c.NumLocalExperts, c.TieWordEmbeddings);
        long h = c.HiddenSize, f = c.IntermediateSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        var plan = new List<GgufTensorPlan>();
        void Add(string gguf, long[] dims, params string[] sources) =>
            plan.Add(new GgufTensorPlan(gguf, dims, GgufTensorTypeRules.Choose(gguf, dims, fileType, shape), sources));

        if (c.RopeScaling is { Type: "llama3" })
        {
            // llama.cpp divides each rotary frequency by rope_freqs[i] (convert_hf_to_gguf.py's llama3 factors): the
            // ratio of the unscaled to the scaled inverse frequency, computed exactly as our rotary tables are.
            var plain = RotaryEmbedding.InverseFrequencies(c.HeadDim, c.RopeTheta, null);
            var scaled = RotaryEmbedding.InverseFrequencies(c.HeadDim, c.RopeTheta, c.RopeScaling);
            plan.Add(new GgufTensorPlan("rope_freqs.weight", [plain.Length], GgufTensorType.F32, [], () => plain.Zip(scaled, (p, q) => p / q).ToArray()));
        }
        Add("token_embd.weight", [c.VocabSize, h], "model.embed_tokens.weight");
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            string hf = $"model.layers.{i}.", blk = $"blk.{i}.";
            Add(blk + "attn_norm.weight", [h], hf + "input_layernorm.weight");
            Add(blk + "attn_q.weight", [q, h], hf + "self_attn.q_proj.weight");
            if (c.QkvBias) Add(blk + "attn_q.bias", [q], hf + "self_attn.q_proj.bias");
            Add(blk + "attn_k.weight", [kv, h], hf + "self_attn.k_proj.weight");
            if (c.QkvBias) Add(blk + "attn_k.bias", [kv], hf + "self_attn.k_proj.bias");
            Add(blk + "attn_v.weight", [kv, h], hf + "self_attn.v_proj.weight");
            if (c.QkvBias) Add(blk + "attn_v.bias", [kv], hf + "self_attn.v_proj.bias");
            Add(blk + "attn_output.weight", [h, q], hf + "self_attn.o_proj.weight");
            if (c.SandwichNorms)
            {
                // Gemma 2: the attention output is normed before its residual add; the FFN is normed on both sides.
                Add(blk + "post_attention_norm.weight", [h], hf + "post_attention_layernorm.weight");
                Add(blk + "ffn_norm.weight", [h], hf + "pre_feedforward_layernorm.weight");
            }
            else Add(blk + "ffn_norm.weight", [h], hf + "post_attention_layernorm.weight");
            if (c.IsMoE)
            {
                string moe = hf + "block_sparse_moe.";
                long e = c.NumLocalExperts;
                string[] Experts(string w) => Enumerable.Range(0, c.NumLocalExperts).Select(x => $"{moe}experts.{x}.{w}.weight").ToArray();
                Add(blk + "ffn_gate_inp.weight", [e, h], moe + "gate.weight");
                Add(blk + "ffn_gate_exps.weight", [e, f, h], Experts("w1"));
                Add(blk + "ffn_down_exps.weight", [e, h, f], Experts("w2"));
                Add(blk + "ffn_up_exps.weight", [e, f, h], Experts("w3"));
            }
            else
            {
                Add(blk + "ffn_gate.weight", [f, h], hf + "mlp.gate_proj.weight");
                Add(blk + "ffn_up.weight", [f, h], hf + "mlp.up_proj.weight");
                Add(blk + "ffn_down.weight", [h, f], hf + "mlp.down_proj.weight");
            }
            if (c.SandwichNorms) Add(blk + "post_ffw_norm.weight", [h], hf + "post_feedforward_layernorm.weight");
        }
        Add("output_norm.weight", [h], "model.norm.weight");
        // Tied embeddings: no output.weight; llama.cpp then uses token_embd for the output projection.
        if (!c.TieWordEmbeddings) Add("output.weight", [c.VocabSize, h], "lm_head.weight");
        return plan;
    }

    /// <summary>"q4_k: 10, q6_k: 4, f32: 9": how many tensors the file stores in each type, most first.</summary>
    public static string TypeCounts(IEnumerable<GgufTensorPlan> plan) =>
        string.Join(", ", plan.GroupBy(t => t.Type).OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
            .Select(g => $"{g.Key.ToString().ToLowerInvariant()}: {g.Count()}"));

    static void AddTensors(GgufWriter writer, LlamaForCausalLM model, IReadOnlyList<GgufTensorPlan> plan)
    {
        var c = model.Config;
        var state = model.state_dict();
        foreach (var tensor in plan)
        {
            if (tensor.Computed is { } computed)
            {
                writer.AddTensor(tensor.Name, tensor.Shape, tensor.Type, computed);
                continue;
            }
            var sources = tensor.Sources.Select(s => state.TryGetValue(s, out var t) ? t : throw new InvalidDataException($"the model has no weight '{s}'.")).ToArray();
            long count = tensor.Shape.Aggregate(1L, (a, b) => a * b);
            if (sources.Sum(s => s.numel()) != count)
                throw new InvalidDataException($"{tensor.Name}: {string.Join(", ", tensor.Sources)} hold {sources.Sum(s => s.numel())} values, the config implies {count}.");
            bool permute = Architecture(c) == "llama";
            Func<float[], float[]> transform = tensor.Name switch
            {
                var n when permute && n.EndsWith("attn_q.weight") => w => RopePermutation.HfToGguf(w, c.NumAttentionHeads, c.HiddenSize),
                var n when permute && n.EndsWith("attn_k.weight") => w => RopePermutation.HfToGguf(w, c.NumKeyValueHeads, c.HiddenSize),
                // Gemma's norms scale by (1 + w); llama.cpp's by w, so the file stores 1 + w (convert_hf_to_gguf.py does the same).
                var n when c.NormAddsOne && n.EndsWith("norm.weight") => w => Array.ConvertAll(w, x => x + 1f),
                _ => w => w,
            };
            writer.AddTensor(tensor.Name, tensor.Shape, tensor.Type, () =>
            {
                if (sources.Length == 1) return transform(ToFloats(sources[0]));
                // Stacked experts: expert e's rows follow expert e−1's (ne2 = expert index).
                var values = new float[count];
                long offset = 0;
                foreach (var source in sources)
                {
                    var part = ToFloats(source);
                    part.CopyTo(values, offset);
                    offset += part.Length;
                }
                return values;
            });
        }
    }

    static float[] ToFloats(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>
    /// The model directory's vocabulary as GGUF keys: a SentencePiece tokenizer.model (or a tokenizer.json converted
    /// from one) as "llama", a byte-level BPE tokenizer.json (Llama 3, Qwen2) as "gpt2".
    /// </summary>
    public static Action<GgufWriter, int> VocabularyWriter(string modelDirectory)
    {
        string model = Path.Combine(modelDirectory, "tokenizer.model"), json = Path.Combine(modelDirectory, "tokenizer.json");
        if (!File.Exists(model) && !File.Exists(json))
            throw new FileNotFoundException($"{modelDirectory}: no tokenizer.model (or tokenizer.json); a GGUF file carries the vocabulary. " +
                "Create the model with `tsumugi model init --tokenizer DIR`, or copy the tokenizer files into the model directory.");
        var tokenizerConfig = ReadTokenizerConfig(modelDirectory);
        if (!File.Exists(model) && ByteLevelBpeJson.IsByteLevelBpe(json))
            return (writer, vocabSize) => GgufBpeVocabulary.Write(writer, json, vocabSize, tokenizerConfig);
        var spm = TokenizerDirectory.LoadSentencePiece(modelDirectory).Model;
        return (writer, vocabSize) => GgufVocabulary.Write(writer, spm, vocabSize, tokenizerConfig);
    }

    static JsonObject? ReadTokenizerConfig(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (!File.Exists(path)) return null;
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject; }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message})."); }
    }
}
