using Tsumugi.Generation;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Evaluation.Tests;

/// <summary>
/// A randomly initialised tiny Llama sized to a small hand-written byte-fallback tokenizer (same approach as the
/// serving tests): outputs are arbitrary but fixed, which is all consistency checks need.
/// </summary>
public sealed class TinyEvalModel : IDisposable
{
    static readonly string[] Words = ["▁", "a", "b", "ab", "▁ab", "▁a", "東京", "は", "。", "▁the", "\n", "###", "応答", "入力", ":"];

    public PretrainedModel Eval { get; }

    public TinyEvalModel()
    {
        var tokenizer = Tokenizer();
        var config = ModelPresets.Get("tiny");
        config.VocabSize = tokenizer.VocabSize;
        var model = new LlamaForCausalLM(config);
        model.InitializeWeights(5);
        model.eval();
        Eval = new PretrainedModel(model, tokenizer, "tiny");
    }

    public static SpmTokenizer Tokenizer(int extraPieces = 0) =>
        TestTokenizers.ByteFallback(Words.Concat(Enumerable.Range(0, extraPieces).Select(i => $"x{i}")));

    public void Dispose() => Eval.Dispose();
}
