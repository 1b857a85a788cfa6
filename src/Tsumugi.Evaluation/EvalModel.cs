using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using static TorchSharp.torch;

namespace Tsumugi.Evaluation;

/// <summary>
/// A model directory loaded for evaluation: weights plus the directory's own tokenizer (tokenizer.model or tokenizer.json), checked to fit
/// together (a tokenizer with more pieces than the model's vocab_size would index past the embedding table).
/// </summary>
public sealed class EvalModel : IDisposable
{
    public LlamaForCausalLM Model { get; }
    public SpmTokenizer Tokenizer { get; }
    public string Label { get; }

    public EvalModel(LlamaForCausalLM model, SpmTokenizer tokenizer, string label)
    {
        CheckVocabulary(tokenizer.VocabSize, model.Config.VocabSize, label);
        (Model, Tokenizer, Label) = (model, tokenizer, label);
    }

    public static EvalModel Load(string directory, Device? device = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model directory not found.");
        var tokenizer = TokenizerDirectory.LoadForModel(directory);
        CheckVocabulary(tokenizer.VocabSize, LlamaConfig.Load(directory).VocabSize, directory); // before loading weights
        var model = HfModelDirectory.Load(directory, device: device);
        return new EvalModel(model, tokenizer, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))));
    }

    /// <summary>BOS (when the tokenizer has one) followed by the text's tokens, as the Llama family was trained.</summary>
    public long[] Encode(string text)
    {
        var ids = Tokenizer.Encode(text);
        return Tokenizer.BosId >= 0 ? [Tokenizer.BosId, .. ids.Select(i => (long)i)] : ids.Select(i => (long)i).ToArray();
    }

    static void CheckVocabulary(int tokenizerPieces, int modelVocab, string where)
    {
        if (tokenizerPieces > modelVocab)
            throw new InvalidDataException(
                $"{where}: the tokenizer has {tokenizerPieces} pieces but the model's vocab_size is {modelVocab}; " +
                "the tokenizer does not belong to this model (resize the model with `tsumugi model extend-vocab` or use its own tokenizer).");
    }

    public void Dispose() => Model.Dispose();
}
