using Tsumugi.Tokenization;

namespace Tsumugi.Generation;

/// <summary>
/// Prompt text → ids with the control tokens written as text (&lt;s&gt;, &lt;/s&gt;, …) turned into their ids, as HF
/// tokenizers and llama.cpp's server do for rendered chat templates. sentencepiece itself never matches control
/// pieces in text, so without this the Llama-2 format's "&lt;s&gt;[INST]" would become the characters '&lt;', 's', '&gt;'.
/// The text between control tokens is encoded piece by piece, each with the normalizer's dummy prefix (HF "legacy").
/// </summary>
public static class PromptEncoding
{
    /// <param name="addBos">Prepend BOS unless the text already starts with it (a rendered Llama-2 prompt does).</param>
    public static IReadOnlyList<int> Encode(ITokenizer tokenizer, string text, bool addBos)
    {
        var controls = tokenizer.SpecialTokens;
        var ids = new List<int>();
        int pos = 0;
        while (pos < text.Length)
        {
            int at = text.Length, id = -1, length = 0;
            foreach (var (piece, pieceId) in controls)
            {
                int i = text.IndexOf(piece, pos, StringComparison.Ordinal);
                if (i >= 0 && i < at) (at, id, length) = (i, pieceId, piece.Length); // longest first, so ties keep the longest
            }
            if (at > pos) ids.AddRange(tokenizer.Encode(text[pos..at]));
            if (id < 0) break;
            ids.Add(id);
            pos = at + length;
        }
        if (addBos && tokenizer.BosId >= 0 && (ids.Count == 0 || ids[0] != tokenizer.BosId)) ids.Insert(0, tokenizer.BosId);
        return ids;
    }
}
