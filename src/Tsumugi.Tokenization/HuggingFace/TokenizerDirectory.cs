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
    /// `tokenizer.json`.
    /// </summary>
    public static ITokenizer Load(string pathOrDir) => LoadSentencePiece(pathOrDir);

    /// <summary>
    /// Loads a SentencePiece tokenizer, for the work only SentencePiece models support (merging, spm-style
    /// extension, GGUF's llama vocabulary).
    /// </summary>
    public static SpmTokenizer LoadSentencePiece(string pathOrDir)
    {
        if (Directory.Exists(pathOrDir))
        {
            var model = Path.Combine(pathOrDir, "tokenizer.model");
            if (File.Exists(model)) return SpmTokenizer.Load(model);
            var json = Path.Combine(pathOrDir, "tokenizer.json");
            if (File.Exists(json)) return new SpmTokenizer(HfTokenizerJsonReader.Read(json));
            throw new FileNotFoundException($"{pathOrDir} has neither tokenizer.model nor tokenizer.json; pass a tokenizer directory or a .model file.", model);
        }
        if (pathOrDir.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return new SpmTokenizer(HfTokenizerJsonReader.Read(pathOrDir));
        return SpmTokenizer.Load(pathOrDir);
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
