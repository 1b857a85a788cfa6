using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Training;

/// <summary>Makes a model config agree with a tokenizer directory: vocabulary size and special token ids.</summary>
public static class TokenizerInfo
{
    public static void Apply(string tokenizerDirectory, LlamaConfig config)
    {
        if (!HfModelDirectory.TokenizerFiles.Take(2).Any(f => File.Exists(Path.Combine(tokenizerDirectory, f))))
            throw new FileNotFoundException($"{tokenizerDirectory}: no tokenizer.model or tokenizer.json; pass a directory written by `tsumugi tokenizer train` (or a Hugging Face model's).",
                Path.Combine(tokenizerDirectory, "tokenizer.model"));
        var tokenizer = TokenizerDirectory.Load(tokenizerDirectory);
        config.VocabSize = tokenizer.VocabSize;
        config.BosTokenId = tokenizer.BosId >= 0 ? tokenizer.BosId : null;
        config.EosTokenIds = tokenizer.EosId >= 0 ? [tokenizer.EosId] : [];
        // Only SentencePiece models name a padding piece; a byte-level tokenizer has none unless tokenizer_config.json says so.
        int pad = tokenizer is SpmTokenizer spm ? spm.Model.TrainerSpec.PadId : -1;
        config.PadTokenId = pad >= 0 ? pad : null;
    }
}
