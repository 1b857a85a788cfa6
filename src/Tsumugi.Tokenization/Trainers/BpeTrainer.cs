using System.Runtime.CompilerServices;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// SentencePiece-compatible BPE trainer (bpe_model_trainer.cc): characters of "▁"-prefixed words, repeatedly merge
/// the most frequent adjacent pair whose result is a valid piece (ties: shorter piece, then smaller string), score
/// = −(pieces emitted so far), then the alphabet with continuing ranks. Unlike spm's "top 5% active set" heuristic,
/// the best pair is taken exactly, from a heap that holds every pair once (see <see cref="BpeMerges"/>).
/// </summary>
public static class BpeTrainer
{
    public static SpmModel Train(IEnumerable<string> sentences, TrainerOptions o)
    {
        o.ModelType = SpmModelType.Bpe;
        return TrainerLog.Run(o, () => TrainLogged(sentences, o));
    }

    // As in the Unigram trainer, each phase's arrays die with its method and are collected before the next phase.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static SpmModel TrainLogged(IEnumerable<string> sentences, TrainerOptions o)
    {
        var corpus = TrainingCorpus.Build(sentences, o);
        TrainerLog.CollectPhaseGarbage(); // the raw word tables
        int meta = ModelLayout.MetaCount(o);
        int target = o.VocabSize - meta - corpus.Alphabet.Count;
        if (target < 0)
            throw new ArgumentException($"vocab size {o.VocabSize} is smaller than the alphabet ({corpus.Alphabet.Count} characters) plus {meta} special/byte pieces; raise --vocab-size or lower --character-coverage.");
        o.Log?.Invoke($"{corpus.SentenceCount:N0} sentences, {corpus.Words.Count:N0} distinct words, alphabet {corpus.Alphabet.Count}");
        var pieces = Merge(corpus, target, o);
        TrainerLog.CollectPhaseGarbage(); // the merge state: writing the files reuses its memory
        var emitted = pieces.Select(p => p.Piece).ToHashSet(StringComparer.Ordinal);
        foreach (var (cp, _) in corpus.Alphabet)
        {
            var s = char.ConvertFromUtf32(cp);
            if (emitted.Add(s)) pieces.Add((s, -pieces.Count));
        }
        o.Log?.Invoke($"model: {pieces.Count:N0} pieces");
        var model = ModelLayout.Build(o, pieces);
        ModelLayout.CheckVocabSize(model, o);
        return model;
    }

    /// <summary>Up to <paramref name="target"/> merged pieces, best first, scored −rank.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static List<(string Piece, float Score)> Merge(TrainingCorpus corpus, int target, TrainerOptions o)
    {
        var merges = new BpeMerges(corpus, new PieceValidator(o));
        corpus.Words.Clear(); // the merges hold the words as symbols from here on
        corpus.Words.TrimExcess();
        TrainerLog.CollectPhaseGarbage();
        o.Log?.Invoke($"{merges.PairCount:N0} distinct pairs");
        var pieces = new List<(string Piece, float Score)>();
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        // The same string can come from two pairs (ab·c and a·bc): it is merged each time but emitted once.
        while (pieces.Count < target && merges.MergeBest() is { } piece)
        {
            if (!emitted.Add(piece)) continue;
            pieces.Add((piece, -pieces.Count));
            if (pieces.Count % 1000 == 0) o.Log?.Invoke($"{pieces.Count:N0} / {target:N0} merges");
        }
        return pieces;
    }
}
