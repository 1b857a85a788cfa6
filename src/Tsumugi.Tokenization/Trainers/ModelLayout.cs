using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// Lays out a trained vocabulary the way spm_train does (the Llama layout): &lt;unk&gt; 0, &lt;s&gt; 1, &lt;/s&gt; 2,
/// control symbols, user-defined symbols, the 256 byte pieces, then learned pieces by descending score.
/// </summary>
public static class ModelLayout
{
    public static int MetaCount(TrainerOptions o) => 3 + o.ControlSymbols.Count + o.UserDefinedSymbols.Count + (o.ByteFallback ? 256 : 0);

    public static SpmModel Build(TrainerOptions o, IEnumerable<(string Piece, float Score)> learned)
    {
        var pieces = new List<SpmPiece>
        {
            new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control),
        };
        pieces.AddRange(o.ControlSymbols.Select(s => new SpmPiece(s, 0, PieceType.Control)));
        pieces.AddRange(o.UserDefinedSymbols.Select(s => new SpmPiece(s, 0, PieceType.UserDefined)));
        if (o.ByteFallback) for (int b = 0; b < 256; b++) pieces.Add(new SpmPiece($"<0x{b:X2}>", 0, PieceType.Byte));
        var taken = new HashSet<string>(pieces.Select(p => p.Piece), StringComparer.Ordinal);
        foreach (var (piece, score) in learned.OrderByDescending(p => p.Score).ThenBy(p => p.Piece, StringComparer.Ordinal))
            if (taken.Add(piece)) pieces.Add(new SpmPiece(piece, score));
        var model = new SpmModel
        {
            Pieces = pieces,
            NormalizerSpec = TrainingCorpus.NormalizerSpecFor(o),
            TrainerSpec = new SpmTrainerSpec
            {
                ModelType = o.ModelType, VocabSize = pieces.Count, HardVocabLimit = o.HardVocabLimit, CharacterCoverage = (float)o.CharacterCoverage,
                ByteFallback = o.ByteFallback, SplitDigits = o.SplitDigits, SplitByWhitespace = o.SplitByWhitespace,
                SplitByUnicodeScript = o.SplitByUnicodeScript, SplitByNumber = o.SplitByNumber,
                AllowWhitespaceOnlyPieces = o.AllowWhitespaceOnlyPieces, MaxSentencepieceLength = o.MaxPieceLength,
                ControlSymbols = [.. o.ControlSymbols], UserDefinedSymbols = [.. o.UserDefinedSymbols],
                RequiredChars = o.RequiredChars, InputSentenceSize = (ulong)o.InputSentenceSize,
                MaxSentenceLength = o.MaxSentenceBytes, SeedSentencepieceSize = o.SeedPieceCount,
                ShrinkingFactor = (float)o.ShrinkingFactor, NumSubIterations = o.NumSubIterations, NumThreads = o.Threads,
            },
        };
        return model;
    }

    /// <summary>
    /// spm_train's hard_vocab_limit check: a trained model with fewer pieces than asked for is an error naming the
    /// maximum this text supports, unless <see cref="TrainerOptions.HardVocabLimit"/> is off (then a logged warning).
    /// </summary>
    public static void CheckVocabSize(SpmModel model, TrainerOptions o)
    {
        int got = model.Pieces.Count;
        if (got >= o.VocabSize) return;
        if (o.HardVocabLimit)
            throw new VocabSizeTooHighException(o.VocabSize, got);
        o.Log?.Invoke($"WARNING: the text supports only {got:N0} pieces; writing {got:N0} instead of the {o.VocabSize:N0} asked for (--allow-smaller-vocab).");
    }
}

/// <summary>The text supports fewer pieces than --vocab-size (spm_train: "Vocabulary size too high").</summary>
public sealed class VocabSizeTooHighException(int requested, int maximum) : ArgumentException(
    $"Vocabulary size too high ({requested:N0}): this text supports at most {maximum:N0} pieces. Set --vocab-size to a value <= {maximum}, " +
    $"add more text, or pass --allow-smaller-vocab to write {maximum:N0} pieces.")
{
    public int Requested { get; } = requested;
    public int Maximum { get; } = maximum;
}
