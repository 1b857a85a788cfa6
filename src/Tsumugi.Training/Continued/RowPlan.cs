using Tsumugi.Tokenization;

namespace Tsumugi.Training.Continued;

/// <summary>
/// Where each row of the grown embedding comes from, decided from the two tokenizers alone (no tensors): copied from
/// an old row, the mean of several old rows, or the mean of all old piece rows. The same plan serves the embedding
/// and an untied LM head.
/// </summary>
internal sealed class RowPlan
{
    /// <summary>Rows copied unchanged: new id ← old id (pieces in both tokenizers, then kept padding).</summary>
    public required long[] CopyTargets { get; init; }
    public required long[] CopySources { get; init; }
    /// <summary>New ids initialised by a mean of old rows; <see cref="MeanSources"/>[k] lists the old ids for MeanTargets[k].</summary>
    public required long[] MeanTargets { get; init; }
    public required int[][] MeanSources { get; init; }
    /// <summary>New ids initialised by the mean of rows 0 … <see cref="OldTokenizerSize"/>−1.</summary>
    public required long[] FallbackTargets { get; init; }
    /// <summary>For each old tokenizer id, its new id, or −1 when the new tokenizer dropped the piece.</summary>
    public required int[] OldToNew { get; init; }
    public required int OldVocabSize { get; init; }
    public required int NewVocabSize { get; init; }
    public required int OldTokenizerSize { get; init; }
    public required int NewTokenizerSize { get; init; }
    public required VocabularyExtensionReport Report { get; init; }

    /// <param name="split">The old ids a new token's row is averaged from (<see cref="OldTokenSplit.For"/>); empty = the mean of all old rows.</param>
    public static RowPlan Build(int oldModelVocab, ITokenizer oldTokenizer, ITokenizer newTokenizer, Func<int, int[]> split, VocabularyExtensionOptions options)
    {
        int oldSize = oldTokenizer.VocabSize, newSize = newTokenizer.VocabSize;
        if (oldSize > oldModelVocab)
            throw new ArgumentException(
                $"the old tokenizer has {oldSize:N0} pieces but the model only {oldModelVocab:N0} embedding rows; it is not this model's tokenizer (check --old-tokenizer).");
        var oldIds = IdsByPiece(oldTokenizer);
        var newIds = IdsByPiece(newTokenizer);
        var oldToNew = new int[oldSize];
        var dropped = new List<string>();
        for (int i = 0; i < oldSize; i++)
        {
            oldToNew[i] = newIds.TryGetValue(oldTokenizer.IdToPiece(i), out int j) ? j : -1;
            if (oldToNew[i] < 0) dropped.Add(oldTokenizer.IdToPiece(i));
        }
        if (dropped.Count > 0 && !options.AllowDroppedPieces)
            throw new ArgumentException(
                $"the new tokenizer lacks {dropped.Count:N0} of the old tokenizer's {oldSize:N0} pieces (e.g. {string.Join(", ", dropped.Take(5).Select(p => $"'{p}'"))}); " +
                "an extended tokenizer must keep every old piece (build it with `tsumugi tokenizer extend` from the model's tokenizer, check --old-tokenizer), " +
                "or pass --allow-dropped-pieces to discard those rows.");
        CheckIdMap(options.IdMap, oldSize, newSize, oldIds, newTokenizer);

        // A padded vocabulary (rows beyond the tokenizer, e.g. Megatron's make-vocab-size-divisible-by or a size rounded
        // up to a multiple of 64 for GEMM efficiency) was padded on purpose: keep that size while the new tokenizer
        // fits in it, and keep the unused rows where they are. New pieces take the padding ids they land on (those rows
        // never meant anything). A tokenizer larger than the padding sets the size: the multiple cannot be guessed.
        bool padded = oldModelVocab > oldSize;
        int newVocab = padded ? Math.Max(newSize, oldModelVocab) : newSize;

        var copyTargets = new List<long>();
        var copySources = new List<long>();
        var meanTargets = new List<long>();
        var meanSources = new List<int[]>();
        var fallbackTargets = new List<long>();
        var fallbackPieces = new List<string>();
        for (int j = 0; j < newSize; j++)
        {
            var piece = newTokenizer.IdToPiece(j);
            if (oldIds.TryGetValue(piece, out int i))
            {
                copyTargets.Add(j);
                copySources.Add(i);
                continue;
            }
            var sources = options.IdMap is { } map && map.NewTokens.TryGetValue(j, out var listed)
                ? OldTokenSplit.Usable(listed, oldTokenizer)
                : split(j);
            if (sources.Length > 0)
            {
                meanTargets.Add(j);
                meanSources.Add(sources);
            }
            else
            {
                fallbackTargets.Add(j);
                fallbackPieces.Add(piece);
            }
        }
        int copiedPieces = copyTargets.Count;
        for (int j = newSize; j < newVocab; j++)
        {
            copyTargets.Add(j);
            copySources.Add(j);
        }
        var report = new VocabularyExtensionReport(oldModelVocab, newVocab, oldSize, newSize, copiedPieces, meanTargets.Count,
            fallbackTargets.Count, newVocab - newSize, dropped.Count, fallbackPieces);
        return new RowPlan
        {
            CopyTargets = [.. copyTargets], CopySources = [.. copySources], MeanTargets = [.. meanTargets], MeanSources = [.. meanSources],
            FallbackTargets = [.. fallbackTargets], OldToNew = oldToNew, OldVocabSize = oldModelVocab, NewVocabSize = newVocab,
            OldTokenizerSize = oldSize, NewTokenizerSize = newSize, Report = report,
        };
    }

    /// <summary>
    /// The new id of a special token id of the old model (bos/eos/pad in config.json): the same piece in the new
    /// tokenizer, the same padding row if it is still padding, or null when it no longer exists.
    /// </summary>
    public int? MapOldId(int oldId)
    {
        if (oldId < 0) return null;
        if (oldId < OldTokenizerSize) return OldToNew[oldId] >= 0 ? OldToNew[oldId] : null;
        return oldId >= NewTokenizerSize && oldId < NewVocabSize ? oldId : null;
    }

    static Dictionary<string, int> IdsByPiece(ITokenizer tokenizer)
    {
        var ids = new Dictionary<string, int>(tokenizer.VocabSize, StringComparer.Ordinal);
        for (int i = 0; i < tokenizer.VocabSize; i++) ids[tokenizer.IdToPiece(i)] = i;
        return ids;
    }

    /// <summary>An id map written for another pair of tokenizers would average the wrong rows: refuse it.</summary>
    static void CheckIdMap(VocabularyIdMap? map, int oldSize, int newSize, Dictionary<string, int> oldIds, ITokenizer newTokenizer)
    {
        if (map is null) return;
        const string name = VocabularyIdMap.FileName;
        if (map.OldVocabSize != oldSize || map.NewVocabSize != newSize)
            throw new ArgumentException(
                $"{name} describes a {map.OldVocabSize:N0} → {map.NewVocabSize:N0} piece extension but the tokenizers have {oldSize:N0} → {newSize:N0} pieces; " +
                "pass the tokenizer it was extended from with --old-tokenizer, or remove the stale id map.");
        foreach (var (newId, oldList) in map.NewTokens)
        {
            if (newId < 0 || newId >= newSize) throw new ArgumentException($"{name}: new id {newId} is outside the new tokenizer (0..{newSize - 1}).");
            if (oldIds.ContainsKey(newTokenizer.IdToPiece(newId)))
                throw new ArgumentException($"{name}: id {newId} ('{newTokenizer.IdToPiece(newId)}') is listed as new but the old tokenizer has that piece; the map belongs to other tokenizers.");
            foreach (int id in oldList)
                if (id < 0 || id >= oldSize)
                    throw new ArgumentException($"{name}: new id {newId} lists old id {id}, outside the old tokenizer (0..{oldSize - 1}).");
        }
    }
}
