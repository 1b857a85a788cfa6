using Tsumugi.Modeling;
using Tsumugi.Generation;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Evaluation.Tests;

/// <summary>
/// A randomly initialised tiny Llama with a hand-written byte-fallback tokenizer, saved as a real model directory (as
/// Tsumugi.Serving.Tests builds its fixture): its answers are gibberish but fixed for a seed, which is all judging needs.
/// </summary>
public sealed class JudgingTinyModel : IDisposable
{
    static readonly string[] Words = ["▁", "a", "b", "ab", "東京", "は", "。", "質問", "答え", "\n"];

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("tsumugi-judge-model-").FullName;

    public JudgingTinyModel(int contextLength = 2048)
    {
        var pieces = new List<SpmPiece> { new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control) };
        for (int b = 0; b < 256; b++) pieces.Add(new SpmPiece($"<0x{b:X2}>", 0, PieceType.Byte));
        pieces.AddRange(Words.Select((w, i) => new SpmPiece(w, -1 - i)));
        var tokenizer = new SpmTokenizer(new SpmModel
        {
            Pieces = pieces,
            TrainerSpec = new SpmTrainerSpec { ModelType = SpmModelType.Unigram, VocabSize = pieces.Count, ByteFallback = true },
            NormalizerSpec = new SpmNormalizerSpec { Name = "identity" },
        });
        var config = ModelPresets.Get("tiny");
        config.VocabSize = tokenizer.VocabSize;
        config.MaxPositionEmbeddings = contextLength;
        using var model = new LlamaForCausalLM(config);
        model.InitializeWeights(5);
        HfModelDirectory.Save(model, Directory);
        SpmModelIO.Write(tokenizer.Model, Path.Combine(Directory, "tokenizer.model"));
    }

    public PretrainedModel Load(string id = "tiny-candidate") => PretrainedModel.Load(Directory, new PretrainedModelOptions { Name = id });

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } // best effort: temp files only
    }
}
