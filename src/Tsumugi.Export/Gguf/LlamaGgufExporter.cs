using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;
using static TorchSharp.torch;

namespace Tsumugi.Export.Gguf;

/// <summary>
/// Exports a Llama model directory (config.json, safetensors, tokenizer files) as a GGUF file that llama.cpp loads
/// with <c>general.architecture = "llama"</c>: tensor names and metadata as convert_hf_to_gguf.py writes them,
/// Wq/Wk rows permuted from HF's rotate_half layout (<see cref="RopePermutation"/>), 1-D tensors (norms) in F32 and
/// the matrices in the requested type.
/// </summary>
public static class LlamaGgufExporter
{
    public static void Export(string modelDirectory, string outputPath, GgufTensorType type)
    {
        if (!Directory.Exists(modelDirectory)) throw new DirectoryNotFoundException($"{modelDirectory}: model directory not found.");
        var tokenizer = LoadTokenizer(modelDirectory);
        var tokenizerConfig = ReadTokenizerConfig(modelDirectory);
        using var model = HfModelDirectory.Load(modelDirectory);
        var name = new DirectoryInfo(Path.GetFullPath(modelDirectory)).Name;
        Build(model, tokenizer, tokenizerConfig, type, name).WriteFile(outputPath);
    }

    /// <summary>The writer with all metadata and tensors; tensor data is read from <paramref name="model"/> when written.</summary>
    public static GgufWriter Build(LlamaForCausalLM model, SpmModel tokenizer, JsonObject? tokenizerConfig, GgufTensorType type, string name)
    {
        var c = model.Config;
        CheckSupported(c);
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "llama");
        writer.AddString("general.name", name);
        writer.AddUInt32("general.file_type", type switch { GgufTensorType.F32 => 0u, GgufTensorType.F16 => 1u, _ => 7u });
        if (type == GgufTensorType.Q8_0) writer.AddUInt32("general.quantization_version", 2);
        // llama.cpp attends to the whole context; a Mistral sliding window is exact only within the window.
        int context = c.SlidingWindow is { } window ? Math.Min(window, c.MaxPositionEmbeddings) : c.MaxPositionEmbeddings;
        writer.AddUInt32("llama.context_length", (uint)context);
        writer.AddUInt32("llama.embedding_length", (uint)c.HiddenSize);
        writer.AddUInt32("llama.block_count", (uint)c.NumHiddenLayers);
        writer.AddUInt32("llama.feed_forward_length", (uint)c.IntermediateSize);
        writer.AddUInt32("llama.rope.dimension_count", (uint)c.HeadDim);
        writer.AddUInt32("llama.attention.head_count", (uint)c.NumAttentionHeads);
        writer.AddUInt32("llama.attention.head_count_kv", (uint)c.NumKeyValueHeads);
        if (c.HeadDimOverride is not null)
        {
            writer.AddUInt32("llama.attention.key_length", (uint)c.HeadDim);
            writer.AddUInt32("llama.attention.value_length", (uint)c.HeadDim);
        }
        writer.AddFloat32("llama.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps);
        writer.AddFloat32("llama.rope.freq_base", (float)c.RopeTheta);
        if (c.RopeScaling is { Type: "linear" } linear)
        {
            writer.AddString("llama.rope.scaling.type", "linear");
            writer.AddFloat32("llama.rope.scaling.factor", (float)linear.Factor);
        }
        writer.AddUInt32("llama.vocab_size", (uint)c.VocabSize);
        GgufVocabulary.Write(writer, tokenizer, c.VocabSize, tokenizerConfig);
        AddTensors(writer, model, type);
        return writer;
    }

    static void CheckSupported(LlamaConfig c)
    {
        if (c.IsMoE) throw new InvalidDataException("GGUF export supports dense Llama/Mistral models; Mixtral (MoE) export is not implemented.");
        if (c.AttentionBias || c.MlpBias) throw new InvalidDataException("GGUF export does not write attention_bias/mlp_bias tensors yet.");
        if (c.RopeScaling is { Type: not ("default" or "linear") } scaling)
            throw new InvalidDataException($"GGUF export supports rope_scaling default and linear, not '{scaling.Type}'.");
    }

    static void AddTensors(GgufWriter writer, LlamaForCausalLM model, GgufTensorType type)
    {
        var c = model.Config;
        var state = model.state_dict();
        void Add(string gguf, string hf, Func<float[], float[]>? transform = null)
        {
            if (!state.TryGetValue(hf, out var tensor)) throw new InvalidDataException($"the model has no weight '{hf}'.");
            var shape = tensor.shape;
            var tensorType = StorageType(shape, type);
            writer.AddTensor(gguf, shape, tensorType, () =>
            {
                var values = ToFloats(tensor);
                return transform is null ? values : transform(values);
            });
        }

        Add("token_embd.weight", "model.embed_tokens.weight");
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            string hf = $"model.layers.{i}.", blk = $"blk.{i}.";
            Add(blk + "attn_norm.weight", hf + "input_layernorm.weight");
            Add(blk + "attn_q.weight", hf + "self_attn.q_proj.weight", w => RopePermutation.HfToGguf(w, c.NumAttentionHeads, c.HiddenSize));
            Add(blk + "attn_k.weight", hf + "self_attn.k_proj.weight", w => RopePermutation.HfToGguf(w, c.NumKeyValueHeads, c.HiddenSize));
            Add(blk + "attn_v.weight", hf + "self_attn.v_proj.weight");
            Add(blk + "attn_output.weight", hf + "self_attn.o_proj.weight");
            Add(blk + "ffn_norm.weight", hf + "post_attention_layernorm.weight");
            Add(blk + "ffn_gate.weight", hf + "mlp.gate_proj.weight");
            Add(blk + "ffn_up.weight", hf + "mlp.up_proj.weight");
            Add(blk + "ffn_down.weight", hf + "mlp.down_proj.weight");
        }
        Add("output_norm.weight", "model.norm.weight");
        // Tied embeddings: no output.weight; llama.cpp then uses token_embd for the output projection.
        if (!c.TieWordEmbeddings) Add("output.weight", "lm_head.weight");
    }

    /// <summary>The type a tensor of PyTorch <paramref name="shape"/> is stored in when <paramref name="requested"/> is asked for.</summary>
    public static GgufTensorType StorageType(long[] shape, GgufTensorType requested)
    {
        // Norms and other vectors stay F32 (llama.cpp expects them so).
        if (shape.Length == 1) return GgufTensorType.F32;
        if (requested != GgufTensorType.Q8_0) return requested;
        // Q8_0 rows need whole blocks of 32; otherwise F16, as gguf-py falls back.
        return shape[^1] % GgufQuantizer.Q8BlockSize != 0 ? GgufTensorType.F16 : GgufTensorType.Q8_0;
    }

    static float[] ToFloats(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    static SpmModel LoadTokenizer(string modelDirectory)
    {
        bool hasModel = File.Exists(Path.Combine(modelDirectory, "tokenizer.model"));
        bool hasJson = File.Exists(Path.Combine(modelDirectory, "tokenizer.json"));
        if (!hasModel && !hasJson)
            throw new FileNotFoundException($"{modelDirectory}: no tokenizer.model (or tokenizer.json); a GGUF file carries the vocabulary. " +
                "Create the model with `tsumugi model init --tokenizer DIR`, or copy the tokenizer files into the model directory.");
        return TokenizerDirectory.Load(modelDirectory).Model;
    }

    static JsonObject? ReadTokenizerConfig(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (!File.Exists(path)) return null;
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject; }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message})."); }
    }
}
