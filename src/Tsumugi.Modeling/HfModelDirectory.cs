using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using Tsumugi.Common;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// A Hugging Face model directory: config.json, generation_config.json, model.safetensors (sharded with an index
/// above a size) and, when present, the tokenizer files. The one place where models enter and leave Tsumugi.
/// </summary>
public static class HfModelDirectory
{
    /// <summary>Files that make a tokenizer usable by transformers, llama.cpp converters and our own loaders.</summary>
    public static readonly string[] TokenizerFiles =
        ["tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>
    /// Loads config and weights. Parameters are created in <paramref name="dtype"/> (default fp32: bf16 matmuls are
    /// about 100× slower on CPU; pass BFloat16 on CUDA); files in F32/F16/BF16 are converted on load. Mixtral weights
    /// may use the classic per-expert names or the transformers-v5 fused layout (docs/moe.md).
    /// </summary>
    public static LlamaForCausalLM Load(string directory, ScalarType dtype = ScalarType.Float32, Device? device = null, bool strict = true)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model directory not found.");
        var config = LlamaConfig.Load(directory);
        var model = new LlamaForCausalLM(config);
        try
        {
            if (dtype != ScalarType.Float32) model.to(dtype);
            if (device is not null) model.to(device);
            StateDictIO.Load(model, directory, strict);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    /// <summary>
    /// Writes the model as an HF directory. <paramref name="dtype"/> casts floating weights on save (config.json's
    /// torch_dtype follows); <paramref name="tokenizerDirectory"/> contributes its tokenizer files.
    /// </summary>
    public static void Save(LlamaForCausalLM model, string directory, string? tokenizerDirectory = null,
        ScalarType? dtype = null, long maxShardBytes = 5L << 30)
    {
        Directory.CreateDirectory(directory);
        var config = model.Config.Clone();
        config.TorchDtype = DtypeName(dtype ?? model.parameters().First().dtype);
        StateDictIO.Save(model, directory, maxShardBytes, dtype);
        AtomicFile.WriteAllText(Path.Combine(directory, "config.json"), config.ToJson());
        AtomicFile.WriteAllText(Path.Combine(directory, "generation_config.json"), GenerationConfig(config));
        if (tokenizerDirectory is not null) CopyTokenizer(tokenizerDirectory, directory);
    }

    public static void CopyTokenizer(string tokenizerDirectory, string modelDirectory)
    {
        if (!Directory.Exists(tokenizerDirectory)) throw new DirectoryNotFoundException($"{tokenizerDirectory}: tokenizer directory not found.");
        int copied = 0;
        foreach (var name in TokenizerFiles)
        {
            var source = Path.Combine(tokenizerDirectory, name);
            if (!File.Exists(source)) continue;
            File.Copy(source, Path.Combine(modelDirectory, name), overwrite: true);
            copied++;
        }
        if (copied == 0)
            throw new FileNotFoundException($"{tokenizerDirectory}: no tokenizer files ({string.Join(", ", TokenizerFiles)}); train one with `tsumugi tokenizer train`.");
    }

    static string GenerationConfig(LlamaConfig c)
    {
        var o = new JsonObject { ["_from_model_config"] = true, ["bos_token_id"] = c.BosTokenId };
        o["eos_token_id"] = c.EosTokenIds.Length == 1 ? JsonValue.Create(c.EosTokenIds[0]) : new JsonArray(c.EosTokenIds.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
        if (c.PadTokenId is { } pad) o["pad_token_id"] = pad;
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public static string DtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new ArgumentException($"unsupported model dtype {dtype}; use float32, bfloat16 or float16."),
    };

    public static ScalarType ParseDtype(string name) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" or "f16" => ScalarType.Float16,
        _ => throw new ArgumentException($"unknown dtype '{name}'; use float32, bfloat16 or float16."),
    };
}
