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
        model.Save(Path.Combine(dir, "tokenizer.model"));
        HfTokenizerJson.Write(model, Path.Combine(dir, "tokenizer.json"));
        HfTokenizerConfig.Write(model, dir, chatTemplate);
    }

    /// <summary>Loads a directory (its tokenizer.model) or a `.model` file path.</summary>
    public static SpmTokenizer Load(string pathOrDir)
    {
        if (Directory.Exists(pathOrDir))
        {
            var model = Path.Combine(pathOrDir, "tokenizer.model");
            if (!File.Exists(model)) throw new FileNotFoundException($"{pathOrDir} has no tokenizer.model; pass a directory written by `tsumugi tokenizer train` or a .model file.", model);
            return SpmTokenizer.Load(model);
        }
        return SpmTokenizer.Load(pathOrDir);
    }
}
