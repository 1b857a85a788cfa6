using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Datasets.Tests;

/// <summary>
/// Small SentencePiece (Unigram, byte fallback) tokenizers laid out by hand instead of trained, so the tests stay fast
/// and exact: single characters, a few whole words that win over them, and optional filler pieces to push the
/// vocabulary past Megatron's uint16 limit.
/// </summary>
public static class TestTokenizer
{
    /// <summary>A character that exists only as the very last piece when filler is added (id = vocabulary − 1).</summary>
    public const string LastPiece = "犬";

    const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?'-" +
        "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがぎぐげござじずぜぞだでどばびぶべぼぱっゃゅょ" +
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンー" +
        "日本語東京大学文書言葉学習猫空海山川人時間今年、。「」";

    static readonly string[] Words = ["▁the", "▁cat", "▁data", "日本", "東京", "です", "ます", "した", "大学", "言葉"];

    /// <summary>
    /// Writes a tokenizer directory (tokenizer.model, tokenizer.json, tokenizer_config.json) and returns it. Without EOS
    /// only tokenizer.model is written: a model lacking <c>&lt;/s&gt;</c>, which <c>data tokenize</c> must refuse.
    /// </summary>
    public static string Write(string directory, int fillerPieces = 0, bool withEos = true)
    {
        var learned = new List<(string, float)> { ("▁", -3f) };
        learned.AddRange(Alphabet.Where(c => c != ' ').Distinct().Select(c => (c.ToString(), -5f)));
        learned.AddRange(Words.Select(w => (w, -2f)));
        for (var i = 0; i < fillerPieces; i++) learned.Add(($"〓{i:D6}", -50f));
        if (fillerPieces > 0) learned.Add((LastPiece, -60f));
        var model = ModelLayout.Build(new TrainerOptions(), learned);
        if (withEos)
        {
            TokenizerDirectory.Save(model, directory);
            return directory;
        }
        model.Pieces.RemoveAll(p => p.Piece == "</s>");
        model.TrainerSpec.VocabSize = model.Pieces.Count;
        Directory.CreateDirectory(directory);
        model.Save(Path.Combine(directory, "tokenizer.model"));
        return directory;
    }
}
