namespace Tsumugi.Tokenization;

/// <summary>
/// What every tokenizer kind (SentencePiece Unigram/BPE, Hugging Face byte-level BPE) offers the commands that run
/// text through a model: data tokenize, eval, generate, serve, SFT/DPO data, tokenizer eval. Kind-specific work
/// (training, merging, vocabulary extension) uses the concrete classes. Implementations are thread-safe after
/// construction.
/// </summary>
public interface ITokenizer
{
    /// <summary>"sentencepiece-unigram", "sentencepiece-bpe" or "byte-level-bpe": for reports and error messages.</summary>
    string Kind { get; }

    /// <summary>Ids are 0 … VocabSize−1 (added tokens included).</summary>
    int VocabSize { get; }

    /// <summary>−1 when the tokenizer has none (byte-level BPE has no unknown token; Qwen2 has no BOS).</summary>
    int BosId { get; }

    int EosId { get; }

    int UnkId { get; }

    /// <summary>Text → ids, without BOS/EOS (the callers add those where the model expects them).</summary>
    int[] Encode(string text);

    /// <summary>Raw UTF-8 → ids; malformed bytes are handled as the tokenizer's reference implementation does.</summary>
    int[] Encode(ReadOnlySpan<byte> utf8);

    /// <summary>Appends the ids of raw UTF-8 to <paramref name="ids"/> (the allocation-free path of data tokenize).</summary>
    void EncodeInto(ReadOnlySpan<byte> utf8, List<int> ids);

    /// <summary>Encodes many texts on all cores (or <paramref name="maxThreads"/>); output order = input order.</summary>
    int[][] EncodeBatch(IReadOnlyList<string> texts, int maxThreads = -1);

    /// <summary>Encodes raw UTF-8 lines on all cores (or <paramref name="maxThreads"/>); output order = input order.</summary>
    int[][] EncodeBatch(IReadOnlyList<byte[]> utf8Lines, int maxThreads = -1);

    /// <summary>Ids → text; special tokens (BOS, EOS, chat markers) produce no text, as in generated output.</summary>
    string Decode(IReadOnlyList<int> ids);

    /// <summary>The vocabulary string of an id (a SentencePiece piece, a byte-level token such as "Ġthe").</summary>
    string IdToPiece(int id);

    /// <summary>Id of a vocabulary string, or <see cref="UnkId"/> when absent (−1 when there is no unknown token).</summary>
    int PieceToId(string piece);

    /// <summary>
    /// True for a token that stands for one raw byte of a character the vocabulary lacks: a SentencePiece
    /// &lt;0xXX&gt; byte-fallback piece, a byte-level token of a single non-ASCII byte (tokenizer eval's fallback rate).
    /// </summary>
    bool IsByteFallback(int id);

    /// <summary>
    /// The special tokens as they are written in rendered text (&lt;s&gt;, &lt;|im_start|&gt;, &lt;start_of_turn&gt;…),
    /// longest first: a rendered chat prompt is split on them and each becomes its single id.
    /// </summary>
    IReadOnlyList<(string Text, int Id)> SpecialTokens { get; }

    /// <summary>A streaming decoder whose concatenated outputs equal <see cref="Decode"/> of all the ids it was given.</summary>
    IIncrementalDecoder CreateIncrementalDecoder();
}

/// <summary>Ids in, text deltas out, never half a character: the concatenation equals the tokenizer's Decode.</summary>
public interface IIncrementalDecoder
{
    /// <summary>Adds one id; returns the text that is now final (possibly empty).</summary>
    string Add(int id);

    /// <summary>Ends the sequence and returns what was held back (an unfinished byte run decodes as U+FFFD).</summary>
    string Finish();
}
