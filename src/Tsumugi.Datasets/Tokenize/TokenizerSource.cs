using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>The tokenizer of a run: the encoder, the file it came from and that file's hash for manifest.json.</summary>
internal sealed record TokenizerSource(SpmTokenizer Tokenizer, string File, string Hash)
{
    const string Hint = "pass the directory written by `tsumugi tokenizer train` (it holds tokenizer.model) or a .model file";

    public static TokenizerSource Load(string path)
    {
        string file;
        if (Directory.Exists(path))
        {
            file = Path.Combine(path, "tokenizer.model");
            // The hash names tokenizer.model; a directory with only tokenizer.json has no such file to name.
            if (!System.IO.File.Exists(file)) throw new FileNotFoundException($"tokenizer '{path}' has no tokenizer.model; {Hint}", file);
        }
        else if (System.IO.File.Exists(path)) file = path;
        else throw new FileNotFoundException($"tokenizer '{path}' not found; {Hint}", path);

        SpmTokenizer tokenizer;
        try
        {
            tokenizer = SpmTokenizer.Load(file);
        }
        catch (Exception e) when (e is not (IOException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"{file}: not a usable SentencePiece model ({e.Message}); {Hint}", e);
        }
        if (tokenizer.EosId < 0)
            throw new InvalidDataException($"{file}: the tokenizer has no EOS piece '{tokenizer.Model.TrainerSpec.EosPiece}'; every document must end in EOS (Megatron --append-eod), so use a tokenizer with one");
        return new TokenizerSource(tokenizer, Path.GetFullPath(file), TokenizerFingerprint.Of(file));
    }
}
