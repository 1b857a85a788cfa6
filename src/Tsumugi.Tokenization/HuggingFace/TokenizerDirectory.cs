using System.Text.Json;
using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.HuggingFace;

/// <summary>
/// A tokenizer directory as an HF model directory holds it: tokenizer.model, tokenizer.json,
/// tokenizer_config.json, special_tokens_map.json.
/// </summary>
public static class TokenizerDirectory
{
    public static void Save(SpmModel model, string dir, string? chatTemplate = null)
    {
        Directory.CreateDirectory(dir);
        // Three independent files from a read-only model: written side by side (the JSON one dominates).
        Parallel.Invoke(
            () => model.Save(Path.Combine(dir, "tokenizer.model")),
            () => HfTokenizerJson.Write(model, Path.Combine(dir, "tokenizer.json")),
            () => HfTokenizerConfig.Write(model, dir, chatTemplate));
    }

    /// <summary>
    /// Loads any supported tokenizer: a directory (tokenizer.model, else tokenizer.json), a `.model` file or a
    /// `tokenizer.json` — SentencePiece Unigram/BPE, or Hugging Face byte-level BPE (GPT-2, Llama 3, Qwen2).
    /// </summary>
    public static ITokenizer Load(string pathOrDir)
    {
        var json = Directory.Exists(pathOrDir) && !File.Exists(Path.Combine(pathOrDir, "tokenizer.model")) ? Path.Combine(pathOrDir, "tokenizer.json")
            : pathOrDir.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? pathOrDir : null;
        if (json != null && File.Exists(json))
        {
            if (ByteLevelBpeJson.IsByteLevelBpe(json)) return ByteLevelBpeTokenizer.Load(json);
            var type = ModelType(json);
            if (type is not ("BPE" or "Unigram"))
                throw new NotSupportedException($"{json}: model.type {type ?? "(missing)"} is not supported; supported are SentencePiece Unigram/BPE " +
                                                "(tokenizer.model, or a tokenizer.json of that family) and byte-level BPE (GPT-2, Llama 3, Qwen2 tokenizer.json).");
        }
        return LoadSentencePiece(pathOrDir);
    }

    static string? ModelType(string json)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.TryGetProperty("model", out var m) && m.TryGetProperty("type", out var t) ? t.GetString() : null;
    }

    /// <summary>
    /// Loads a SentencePiece tokenizer, for the work only SentencePiece models support (merging, spm-style
    /// extension, GGUF's llama vocabulary); <paramref name="purpose"/> ("tokenizer merge") names that work in the
    /// error a byte-level BPE tokenizer.json gets.
    /// </summary>
    public static SpmTokenizer LoadSentencePiece(string pathOrDir, string purpose = "this operation")
    {
        if (Directory.Exists(pathOrDir))
        {
            var model = Path.Combine(pathOrDir, "tokenizer.model");
            if (File.Exists(model)) return SpmTokenizer.Load(model);
            var json = Path.Combine(pathOrDir, "tokenizer.json");
            if (File.Exists(json)) return ReadSentencePieceJson(json, purpose);
            throw new FileNotFoundException($"{pathOrDir} has neither tokenizer.model nor tokenizer.json; pass a tokenizer directory or a .model file.", model);
        }
        if (pathOrDir.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return ReadSentencePieceJson(pathOrDir, purpose);
        return SpmTokenizer.Load(pathOrDir);
    }

    static SpmTokenizer ReadSentencePieceJson(string json, string purpose)
    {
        if (File.Exists(json) && ByteLevelBpeJson.IsByteLevelBpe(json))
            throw new NotSupportedException($"{json} is a byte-level BPE tokenizer (GPT-2/Llama 3/Qwen2 style); {purpose} supports SentencePiece models only " +
                                            "(tokenizer.model, or a SentencePiece-family tokenizer.json).");
        return new SpmTokenizer(HfTokenizerJsonReader.Read(json));
    }

    /// <summary>
    /// The tokenizer inside a model directory (tokenizer.model, else tokenizer.json, as Hugging Face checkpoints ship one
    /// or both), for the commands that run a model on text: evaluation, generation, serving, scoring.
    /// </summary>
    public static ITokenizer LoadForModel(string modelDirectory)
    {
        if (!File.Exists(Path.Combine(modelDirectory, "tokenizer.model")) && !File.Exists(Path.Combine(modelDirectory, "tokenizer.json")))
            throw new FileNotFoundException($"{modelDirectory}: no tokenizer.model or tokenizer.json; a model directory carries its own tokenizer " +
                                            "(initialise the model with --tokenizer DIR, or copy the tokenizer files in).", Path.Combine(modelDirectory, "tokenizer.model"));
        return Load(modelDirectory);
    }
}
