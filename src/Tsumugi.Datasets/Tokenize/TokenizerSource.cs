using Tsumugi.Tokenization;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>The tokenizer of a run: the encoder, the file it came from and that file's hash for manifest.json.</summary>
internal sealed record TokenizerSource(ITokenizer Tokenizer, string File, string Hash)
{
    const string Hint = "pass a tokenizer directory (tokenizer.model or tokenizer.json, as `tsumugi tokenizer train` or a Hugging Face model writes it), a .model file or a tokenizer.json";

    public static TokenizerSource Load(string path)
    {
        string file;
        if (Directory.Exists(path))
        {
            // The file the ids come from, as TokenizerDirectory.Load picks it: tokenizer.model first, then tokenizer.json.
            file = new[] { "tokenizer.model", "tokenizer.json" }.Select(f => Path.Combine(path, f)).FirstOrDefault(System.IO.File.Exists)
                   ?? throw new FileNotFoundException($"tokenizer '{path}' has neither tokenizer.model nor tokenizer.json; {Hint}", Path.Combine(path, "tokenizer.model"));
        }
        else if (System.IO.File.Exists(path)) file = path;
        else throw new FileNotFoundException($"tokenizer '{path}' not found; {Hint}", path);

        ITokenizer tokenizer;
        try
        {
            tokenizer = TokenizerDirectory.Load(file);
        }
        catch (Exception e) when (e is not (IOException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"{file}: not a usable tokenizer ({e.Message}); {Hint}", e);
        }
        if (tokenizer.EosId < 0)
            throw new InvalidDataException($"{file}: the tokenizer has no end-of-sequence token; every document must end in EOS (Megatron --append-eod), so use a tokenizer with one");
        return new TokenizerSource(tokenizer, Path.GetFullPath(file), TokenizerFingerprint.Of(file));
    }
}
