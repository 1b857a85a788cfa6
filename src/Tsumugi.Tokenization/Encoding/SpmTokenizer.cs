using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// Encoder/decoder with sentencepiece 0.1.97 semantics for Unigram and BPE models: same normalization, same ids
/// (byte fallback included), same decode. Thread-safe after construction; use <see cref="EncodeBatch"/> for
/// parallel encoding.
/// </summary>
public sealed class SpmTokenizer : ITokenizer
{
    readonly SpmVocab _vocab;
    readonly SpmNormalizer _normalizer;

    [ThreadStatic] static List<(int Start, int Length, int Id)>? ThreadSegments;
    [ThreadStatic] static byte[]? ThreadNormalized;

    public SpmModel Model { get; }
    public int VocabSize => Model.Pieces.Count;
    public int UnkId => _vocab.UnkId;
    public int BosId { get; }
    public int EosId { get; }
    public bool ByteFallback => Model.TrainerSpec.ByteFallback;
    public string Kind => Model.TrainerSpec.ModelType == SpmModelType.Bpe ? "sentencepiece-bpe" : "sentencepiece-unigram";

    /// <summary>
    /// The CONTROL pieces (&lt;s&gt;, &lt;/s&gt;, chat markers), longest first. sentencepiece itself never matches them in
    /// text; HF tokenizers and llama.cpp's server do, which is what a rendered chat template needs.
    /// </summary>
    public IReadOnlyList<(string Text, int Id)> SpecialTokens => _specialTokens ??= Model.Pieces
        .Select((p, id) => (p, id)).Where(x => x.p.Type == PieceType.Control && x.p.Piece.Length > 0)
        .Select(x => (x.p.Piece, x.id)).OrderByDescending(x => x.Piece.Length).ToArray();
    (string Text, int Id)[]? _specialTokens;

    public IIncrementalDecoder CreateIncrementalDecoder() => new SpmIncrementalDecoder(this);

    public bool IsByteFallback(int id) => Model.Pieces[id].Type == PieceType.Byte;

    public SpmTokenizer(SpmModel model) : this(model, validated: false) { }

    /// <param name="validated">The model was just read by <see cref="SpmModelIO.Read"/>, which validated it (the check
    /// hashes every piece: not twice per load).</param>
    SpmTokenizer(SpmModel model, bool validated)
    {
        if (!validated) SpmModelIO.Validate(model);
        if (model.TrainerSpec.ModelType is not (SpmModelType.Unigram or SpmModelType.Bpe))
            throw new NotSupportedException($"model_type {model.TrainerSpec.ModelType} is not supported; only UNIGRAM and BPE models can be encoded");
        Model = model;
        _vocab = new SpmVocab(model);
        _normalizer = new SpmNormalizer(model.NormalizerSpec, model.TrainerSpec.TreatWhitespaceAsSuffix, _vocab.UserDefinedTrie);
        BosId = IdOf(model.TrainerSpec.BosPiece, PieceType.Control);
        EosId = IdOf(model.TrainerSpec.EosPiece, PieceType.Control);
    }

    public static SpmTokenizer Load(string path) => new(SpmModelIO.Read(path), validated: true);

    int IdOf(string piece, PieceType type)
    {
        for (int i = 0; i < Model.Pieces.Count; i++) if (Model.Pieces[i].Type == type && Model.Pieces[i].Piece == piece) return i;
        return -1;
    }

    Dictionary<string, int>? _pieceIds;

    /// <summary>Id of a piece string (any type), or the unk id when absent, like spm's PieceToId.</summary>
    public int PieceToId(string piece)
    {
        _pieceIds ??= Model.Pieces.Select((p, i) => (p.Piece, i)).ToDictionary(x => x.Piece, x => x.i, StringComparer.Ordinal);
        return _pieceIds.TryGetValue(piece, out int id) ? id : _vocab.UnkId;
    }

    public string IdToPiece(int id) => Model.Pieces[id].Piece;

    /// <summary>The normalized UTF-8 bytes the model segments (with "▁" for spaces and the dummy prefix).</summary>
    public byte[] Normalize(string text) => _normalizer.Normalize(text);

    public int[] Encode(string text) => Encode(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Encodes raw UTF-8; malformed bytes become U+FFFD as in sentencepiece.</summary>
    public int[] Encode(ReadOnlySpan<byte> utf8)
    {
        var ids = new List<int>();
        EncodeInto(utf8, ids);
        return [.. ids];
    }

    public string[] EncodeToPieces(string text)
    {
        var ids = Encode(text);
        return ids.Select(IdToPiece).ToArray();
    }

    /// <summary>
    /// Segments an already-normalized piece string (e.g. "▁東京") with this vocabulary, without normalization —
    /// how a new piece of an extended vocabulary splits into the old ids (byte fallback included).
    /// </summary>
    public int[] EncodeNormalized(string normalized)
    {
        var ids = new List<int>();
        Segment(System.Text.Encoding.UTF8.GetBytes(normalized), ids);
        return [.. ids];
    }

    /// <summary>Appends the ids of raw UTF-8 to <paramref name="ids"/>; reuses per-thread buffers (no per-call allocation on the identity-normalizer path).</summary>
    public void EncodeInto(ReadOnlySpan<byte> utf8, List<int> ids) => Segment(_normalizer.Normalize(utf8, ref ThreadNormalized), ids);

    // Fully optimized from the first call: a CLI run is too short to wait for tiered JIT.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    void Segment(ReadOnlySpan<byte> norm, List<int> ids)
    {
        var segs = ThreadSegments ??= new List<(int Start, int Length, int Id)>();
        segs.Clear();
        if (Model.TrainerSpec.ModelType == SpmModelType.Bpe) BpeMerger.Encode(norm, _vocab, segs);
        else UnigramViterbi.Encode(norm, _vocab, segs);
        bool fallback = Model.TrainerSpec.ByteFallback;
        bool prevUnk = false;
        foreach (var (start, len, id) in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(segs))
        {
            bool unk = id == _vocab.UnkId;
            if (unk && fallback)
                for (int i = 0; i < len; i++) ids.Add(_vocab.ByteIds[norm[start + i]]);
            else if (!(unk && prevUnk)) ids.Add(id); // spm's processor merges a run of unknown pieces into one
            prevUnk = unk;
        }
    }

    /// <summary>Encodes many texts on all cores (or <paramref name="maxThreads"/>); output order = input order.</summary>
    public int[][] EncodeBatch(IReadOnlyList<string> texts, int maxThreads = -1)
    {
        var result = new int[texts.Count][];
        var opts = new ParallelOptions { MaxDegreeOfParallelism = maxThreads };
        Parallel.For(0, texts.Count, opts, i => result[i] = Encode(texts[i]));
        return result;
    }

    /// <summary>Encodes raw UTF-8 lines on all cores (or <paramref name="maxThreads"/>); output order = input order.</summary>
    public int[][] EncodeBatch(IReadOnlyList<byte[]> utf8Lines, int maxThreads = -1)
    {
        var result = new int[utf8Lines.Count][];
        var opts = new ParallelOptions { MaxDegreeOfParallelism = maxThreads };
        Parallel.For(0, utf8Lines.Count, opts, i => result[i] = Encode(utf8Lines[i]));
        return result;
    }

    /// <summary>
    /// sentencepiece's Decode: CONTROL pieces vanish, UNKNOWN becomes unk_surface, runs of BYTE pieces are
    /// reassembled (each invalid byte → U+FFFD), "▁" → ' ', and the first piece's leading "▁" is dropped when the
    /// normalizer adds a dummy prefix or removes extra whitespace.
    /// </summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        var sb = new System.Text.StringBuilder();
        var bytes = new List<byte>();
        bool isBosWs = true;
        var spec = Model.NormalizerSpec;
        bool strip = spec.AddDummyPrefix || spec.RemoveExtraWhitespaces;
        bool suffix = Model.TrainerSpec.TreatWhitespaceAsSuffix;

        void Emit(string surface)
        {
            if (surface.Length == 0) return;
            sb.Append(surface);
            isBosWs = false;
        }
        void FlushBytes()
        {
            if (bytes.Count == 0) return;
            Emit(DecodeBytesLikeSpm(bytes));
            bytes.Clear();
        }

        foreach (int id in ids)
        {
            if ((uint)id >= (uint)Model.Pieces.Count) throw new ArgumentOutOfRangeException(nameof(ids), $"id {id} is out of range; the vocabulary has {Model.Pieces.Count} pieces");
            var p = Model.Pieces[id];
            if (p.Type == PieceType.Byte) { bytes.Add((byte)SpmVocab.ParseBytePiece(p.Piece)); continue; }
            FlushBytes();
            switch (p.Type)
            {
                case PieceType.Control: break;
                case PieceType.Unknown: Emit(Model.TrainerSpec.UnkSurface); break;
                default:
                    var piece = p.Piece;
                    if (isBosWs && !suffix && strip && piece.StartsWith('\u2581')) piece = piece[1..];
                    Emit(piece.Replace('\u2581', ' '));
                    break;
            }
        }
        FlushBytes();
        var text = sb.ToString();
        if (suffix && strip && text.EndsWith(' ')) text = text[..^1];
        return text;
    }

    static string DecodeBytesLikeSpm(List<byte> bytes)
    {
        var sb = new System.Text.StringBuilder();
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        while (span.Length > 0)
        {
            int n = Utf8Util.ValidCharLen(span);
            if (n == 0) { sb.Append('\uFFFD'); span = span[1..]; continue; }
            sb.Append(System.Text.Encoding.UTF8.GetString(span[..n]));
            span = span[n..];
        }
        return sb.ToString();
    }
}
