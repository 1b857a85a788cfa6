using Tsumugi.Modeling;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Training;

/// <summary>Makes a model config agree with a tokenizer directory: vocabulary size and special token ids.</summary>
public static class TokenizerInfo
{
    public static void Apply(string tokenizerDirectory, LlamaConfig config)
    {
        var path = Path.Combine(tokenizerDirectory, "tokenizer.model");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{tokenizerDirectory}: no tokenizer.model; pass a directory written by `tsumugi tokenizer train`.", path);
        var model = SpmModel.Load(path);
        var spec = model.TrainerSpec;
        config.VocabSize = model.Pieces.Count;
        config.BosTokenId = spec.BosId >= 0 ? spec.BosId : null;
        config.EosTokenIds = spec.EosId >= 0 ? [spec.EosId] : [];
        config.PadTokenId = spec.PadId >= 0 ? spec.PadId : null;
    }
}
