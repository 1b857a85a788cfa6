using System.Text.Json;
using Tsumugi.Common;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>Vocabulary extension (Swallow style) and per-language merge (llm-jp style).</summary>
public static class VocabularyTools
{
    /// <summary>
    /// Adds up to <paramref name="count"/> pieces learned on new text to <paramref name="baseModel"/>, keeping every
    /// existing id. New pieces are the best pieces (by score) of a Unigram model trained on the new text that the base
    /// lacks. In a BPE base they get scores below every existing piece (existing merges keep their priority); in a
    /// Unigram base they keep their learned log-probabilities. Returns the model and, per new id, the old ids its
    /// piece splits into (for initialising embedding rows as the mean of those rows).
    /// </summary>
    public static (SpmModel Model, SortedDictionary<int, int[]> IdMap) Extend(SpmModel baseModel, IEnumerable<string> sentences, int count, TrainerOptions o)
    {
        if (count <= 0) throw new ArgumentException("the number of pieces to add must be positive");
        var oldTok = new SpmTokenizer(baseModel);
        var existing = new HashSet<string>(baseModel.Pieces.Select(p => p.Piece), StringComparer.Ordinal);
        // Learn a vocabulary on the new text (normalized like the base; bytes are not needed there).
        var learnOpts = new TrainerOptions
        {
            VocabSize = Math.Max(count * 2, 1000) + 3, ByteFallback = false, CharacterCoverage = o.CharacterCoverage,
            MaxPieceLength = o.MaxPieceLength, SplitDigits = baseModel.TrainerSpec.SplitDigits, Threads = o.Threads, Log = o.Log,
            AddDummyPrefix = baseModel.NormalizerSpec.AddDummyPrefix, RemoveExtraWhitespaces = baseModel.NormalizerSpec.RemoveExtraWhitespaces,
            Normalization = baseModel.NormalizerSpec.Name, PrecompiledCharsmap = baseModel.NormalizerSpec.PrecompiledCharsmap,
            HardVocabLimit = false, // a candidate pool: fewer pieces on small text is fine
        };
        var learned = UnigramTrainer.Train(sentences, learnOpts);
        var fresh = learned.Pieces.Where(p => p.Type == PieceType.Normal && !existing.Contains(p.Piece))
            .OrderByDescending(p => p.Score).Take(count).ToList();
        var model = Clone(baseModel);
        bool bpe = baseModel.TrainerSpec.ModelType == SpmModelType.Bpe;
        float min = baseModel.Pieces.Where(p => p.Type == PieceType.Normal).Select(p => p.Score).DefaultIfEmpty(0).Min();
        var idMap = new SortedDictionary<int, int[]>();
        for (int k = 0; k < fresh.Count; k++)
        {
            var p = fresh[k];
            idMap[model.Pieces.Count] = oldTok.EncodeNormalized(p.Piece);
            model.Pieces.Add(new SpmPiece(p.Piece, bpe ? min - 1 - k : p.Score));
        }
        model.TrainerSpec.VocabSize = model.Pieces.Count;
        return (model, idMap);
    }

    public static void WriteIdMap(SortedDictionary<int, int[]> idMap, string path, int oldVocabSize)
    {
        var doc = new Dictionary<string, object>
        {
            ["old_vocab_size"] = oldVocabSize,
            ["new_vocab_size"] = oldVocabSize + idMap.Count,
            ["init"] = "mean_of_old_subword_embeddings",
            ["new_tokens"] = idMap.ToDictionary(kv => kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), kv => kv.Value),
        };
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// Merges several tokenizers into one Unigram vocabulary: their NORMAL pieces in input order without duplicates
    /// (earlier inputs win), scores re-estimated by EM on the mixed text, then the best pieces up to
    /// <paramref name="targetSize"/> (all pieces when 0) plus every single character.
    /// </summary>
    public static SpmModel Merge(IReadOnlyList<SpmModel> models, IEnumerable<string> mixedText, int targetSize, TrainerOptions o)
    {
        if (models.Count == 0) throw new ArgumentException("merge needs at least one tokenizer");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pieces = new List<string>();
        foreach (var m in models)
            foreach (var p in m.Pieces)
                if (p.Type == PieceType.Normal && seen.Add(p.Piece)) pieces.Add(p.Piece);
        o.ModelType = SpmModelType.Unigram;
        o.ByteFallback = models.Any(m => m.TrainerSpec.ByteFallback);
        // The merged model normalizes as the first (highest-priority) tokenizer does.
        o.Normalization = models[0].NormalizerSpec.Name;
        o.PrecompiledCharsmap = models[0].NormalizerSpec.PrecompiledCharsmap;
        foreach (var m in models)
        {
            foreach (var u in m.Pieces.Where(p => p.Type == PieceType.UserDefined)) if (!o.UserDefinedSymbols.Contains(u.Piece)) o.UserDefinedSymbols.Add(u.Piece);
            foreach (var c in m.Pieces.Where(p => p.Type == PieceType.Control && p.Piece is not ("<s>" or "</s>"))) if (!o.ControlSymbols.Contains(c.Piece)) o.ControlSymbols.Add(c.Piece);
        }
        var scored = UnigramTrainer.Reestimate(pieces, mixedText, o);
        int keep = targetSize > 0 ? targetSize - ModelLayout.MetaCount(o) : int.MaxValue;
        if (keep <= 0) throw new ArgumentException($"target size {targetSize} leaves no room after {ModelLayout.MetaCount(o)} special/byte pieces; ask for more pieces than that (or 0 to keep every piece).");
        var singles = scored.Where(p => System.Globalization.StringInfo.ParseCombiningCharacters(p.Piece).Length == 1 && p.Piece.EnumerateRunes().Count() == 1).ToList();
        var chosen = singles.Concat(scored.Except(singles).OrderByDescending(p => p.Score)).Take(Math.Max(keep, singles.Count)).ToList();
        return ModelLayout.Build(o, chosen);
    }

    static SpmModel Clone(SpmModel m) => SpmModelIO.Parse(SpmModelIO.Serialize(m));
}
