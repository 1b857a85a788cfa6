using Tsumugi.Generation;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

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

    public static SpmTokenizer Tokenizer(int extraPieces = 0)
    {
        var pieces = new List<SpmPiece> { new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control) };
        for (int b = 0; b < 256; b++) pieces.Add(new SpmPiece($"<0x{b:X2}>", 0, PieceType.Byte));
        pieces.AddRange(Words.Concat(Enumerable.Range(0, extraPieces).Select(i => $"x{i}")).Select((w, i) => new SpmPiece(w, -1 - i)));
        return new SpmTokenizer(new SpmModel
        {
            Pieces = pieces,
            TrainerSpec = new SpmTrainerSpec { ModelType = SpmModelType.Unigram, VocabSize = pieces.Count, ByteFallback = true },
            NormalizerSpec = new SpmNormalizerSpec { Name = "identity" },
        });
    }

    public void Dispose() => Eval.Dispose();
}
