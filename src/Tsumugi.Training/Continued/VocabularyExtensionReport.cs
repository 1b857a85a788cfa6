namespace Tsumugi.Training.Continued;

/// <summary>What <see cref="VocabularyExtension"/> did to each row of the embedding (and the untied LM head).</summary>
/// <param name="OldVocabSize">Rows of the model before (the old tokenizer's pieces plus any padding).</param>
/// <param name="NewVocabSize">Rows of the model after (the config's new vocab_size).</param>
/// <param name="OldTokenizerSize">Pieces of the old tokenizer.</param>
/// <param name="NewTokenizerSize">Pieces of the new tokenizer.</param>
/// <param name="CopiedRows">Pieces present in both tokenizers: their rows copied bit for bit, following the piece.</param>
/// <param name="MeanInitializedRows">New pieces initialised as the mean of the old rows of the pieces the old tokenizer splits them into.</param>
/// <param name="FallbackRows">New pieces the old tokenizer cannot speak for (control symbols, lone non-ASCII bytes, text
/// that is all unknown): initialised as the mean of every old piece's row.</param>
/// <param name="PaddingRows">Rows beyond the new tokenizer, kept from the old model's padded vocabulary.</param>
/// <param name="DroppedPieces">Old pieces missing from the new tokenizer (their rows discarded; only with AllowDroppedPieces).</param>
/// <param name="FallbackPieces">The pieces counted in <paramref name="FallbackRows"/>, in id order.</param>
public sealed record VocabularyExtensionReport(
    int OldVocabSize, int NewVocabSize, int OldTokenizerSize, int NewTokenizerSize,
    int CopiedRows, int MeanInitializedRows, int FallbackRows, int PaddingRows, int DroppedPieces,
    IReadOnlyList<string> FallbackPieces)
{
    /// <summary>One line for logs: "vocabulary 1,000 → 1,300 rows: 1,000 copied, 295 mean of old pieces, 5 mean of all rows".</summary>
    public override string ToString() =>
        $"vocabulary {OldVocabSize:N0} → {NewVocabSize:N0} rows: {CopiedRows:N0} copied, {MeanInitializedRows:N0} mean of old pieces, " +
        $"{FallbackRows:N0} mean of all rows" +
        (PaddingRows > 0 ? $", {PaddingRows:N0} padding kept" : "") +
        (DroppedPieces > 0 ? $", {DroppedPieces:N0} old pieces dropped" : "");
}
