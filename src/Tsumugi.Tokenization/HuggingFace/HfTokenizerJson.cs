using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.HuggingFace;

/// <summary>
/// Writes a SentencePiece model as a Hugging Face `tokenizer.json` the way transformers' LlamaConverter (legacy)
/// does: normalizer Precompiled(charsmap, when the model has one, as SpmConverter writes it) + Prepend("▁") +
/// Replace(" " → "▁"), no pre-tokenizer, Unigram or BPE model with byte_fallback,
/// decoder Replace("▁" → " ") + ByteFallback + Fuse + Strip(1 leading space). BPE merges are generated from the
/// vocabulary ordered by the merged piece's score, reproducing spm's "highest score first".
/// Unigram user-defined pieces stay in the vocabulary with spm's encode-time score (bytes × max_score − 0.1) so the
/// dummy prefix is placed exactly as spm places it; for BPE they are added tokens (HF cannot freeze BPE symbols).
/// </summary>
public static class HfTokenizerJson
{
    public static JsonObject Build(SpmModel model, bool addBos = true, bool addEos = false) => Build(model, addBos, addEos, vocab: true);

    /// <summary>The tokenizer.json tree; without <paramref name="vocab"/> the model's vocab (and BPE merges) are left empty (see <see cref="Write"/>).</summary>
    static JsonObject Build(SpmModel model, bool addBos, bool addEos, bool vocab)
    {
        var spec = model.TrainerSpec;
        bool bpe = spec.ModelType == SpmModelType.Bpe;
        var added = new JsonArray();
        for (int i = 0; i < model.Pieces.Count; i++)
        {
            var p = model.Pieces[i];
            bool control = p.Type is PieceType.Control or PieceType.Unknown;
            if (!control && !(bpe && p.Type == PieceType.UserDefined)) continue;
            added.Add(new JsonObject
            {
                ["id"] = i, ["content"] = p.Piece, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = control,
            });
        }
        var normalizers = new JsonArray();
        // spm applies the charsmap (NFKC etc.) before the dummy prefix and whitespace escaping, as SpmConverter does.
        if (model.NormalizerSpec.PrecompiledCharsmap.Length > 0)
            normalizers.Add(new JsonObject { ["type"] = "Precompiled", ["precompiled_charsmap"] = Convert.ToBase64String(model.NormalizerSpec.PrecompiledCharsmap) });
        if (model.NormalizerSpec.AddDummyPrefix) normalizers.Add(new JsonObject { ["type"] = "Prepend", ["prepend"] = "\u2581" });
        normalizers.Add(new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "\u2581" });
        var decoders = new JsonArray
        {
            new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = "\u2581" }, ["content"] = " " },
            new JsonObject { ["type"] = "ByteFallback" },
            new JsonObject { ["type"] = "Fuse" },
        };
        if (model.NormalizerSpec.AddDummyPrefix) decoders.Add(new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 });
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = normalizers },
            ["pre_tokenizer"] = null,
            ["post_processor"] = PostProcessor(model, addBos, addEos),
            ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = decoders },
            ["model"] = bpe ? BpeModel(model, vocab) : UnigramModel(model, vocab),
        };
    }

    public static void Write(SpmModel model, string path, bool addBos = true, bool addEos = false)
    {
        // The vocabulary (and BPE merges: tens of thousands of entries) is streamed rather than built as JSON nodes;
        // the text is the same as Build(...).ToJsonString with these options.
        var root = Build(model, addBos, addEos, vocab: false);
        using var file = AtomicFile.Create(path);
        using (var w = new Utf8JsonWriter(file.Stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var (name, node) in root)
            {
                w.WritePropertyName(name);
                if (name == "model") WriteModel(w, model);
                else if (node is null) w.WriteNullValue();
                else node.WriteTo(w);
            }
            w.WriteEndObject();
        }
        file.Commit();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    static void WriteModel(Utf8JsonWriter w, SpmModel model)
    {
        bool bpe = model.TrainerSpec.ModelType == SpmModelType.Bpe;
        var m = bpe ? BpeModel(model, withVocab: false) : UnigramModel(model, withVocab: false);
        w.WriteStartObject();
        foreach (var (name, node) in m)
        {
            w.WritePropertyName(name);
            if (name == "vocab" && bpe)
            {
                w.WriteStartObject();
                for (int i = 0; i < model.Pieces.Count; i++) w.WriteNumber(model.Pieces[i].Piece, i);
                w.WriteEndObject();
            }
            else if (name == "merges")
            {
                w.WriteStartArray();
                foreach (var (l, r) in BpeMerges(model))
                {
                    w.WriteStartArray();
                    w.WriteStringValue(l);
                    w.WriteStringValue(r);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            else if (name == "vocab")
            {
                float max = MaxNormalScore(model);
                w.WriteStartArray();
                foreach (var p in model.Pieces)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(p.Piece);
                    w.WriteNumberValue(UnigramScore(p, max));
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            else if (node is null) w.WriteNullValue();
            else node.WriteTo(w);
        }
        w.WriteEndObject();
    }

    static float MaxNormalScore(SpmModel model) => model.Pieces.Where(p => p.Type == PieceType.Normal).Select(p => p.Score).DefaultIfEmpty(0).Max();

    static double UnigramScore(SpmPiece p, float max) =>
        p.Type == PieceType.UserDefined ? System.Text.Encoding.UTF8.GetByteCount(p.Piece) * (double)max - 0.1 : p.Score;

    static JsonObject UnigramModel(SpmModel model, bool withVocab = true)
    {
        float max = MaxNormalScore(model);
        var vocab = new JsonArray();
        if (withVocab) foreach (var p in model.Pieces) vocab.Add(new JsonArray(p.Piece, UnigramScore(p, max)));
        return new JsonObject
        {
            ["type"] = "Unigram",
            ["unk_id"] = model.Pieces.FindIndex(p => p.Type == PieceType.Unknown),
            ["vocab"] = vocab,
            ["byte_fallback"] = model.TrainerSpec.ByteFallback,
        };
    }

    static JsonObject BpeModel(SpmModel model, bool withVocab = true)
    {
        var vocab = new JsonObject();
        var mergesJson = new JsonArray();
        if (withVocab)
        {
            for (int i = 0; i < model.Pieces.Count; i++) vocab[model.Pieces[i].Piece] = i;
            foreach (var (l, r) in BpeMerges(model)) mergesJson.Add(new JsonArray(l, r));
        }
        return new JsonObject
        {
            ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = model.TrainerSpec.UnkPiece,
            ["continuing_subword_prefix"] = null, ["end_of_word_suffix"] = null, ["fuse_unk"] = true,
            ["byte_fallback"] = model.TrainerSpec.ByteFallback, ["ignore_merges"] = false,
            ["vocab"] = vocab, ["merges"] = mergesJson,
        };
    }

    /// <summary>generate_merges: every split of a NORMAL piece into two vocabulary pieces, by merged score (desc).</summary>
    static IEnumerable<(string L, string R)> BpeMerges(SpmModel model)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < model.Pieces.Count; i++) ids[model.Pieces[i].Piece] = i;
        var merges = new List<(string L, string R, float Score, int Id)>();
        for (int id = 0; id < model.Pieces.Count; id++)
        {
            var p = model.Pieces[id];
            if (p.Type != PieceType.Normal) continue;
            var s = p.Piece;
            for (int k = 1; k < s.Length; k++)
            {
                if (char.IsLowSurrogate(s[k])) continue;
                string l = s[..k], r = s[k..];
                if (ids.TryGetValue(l, out int li) && ids.TryGetValue(r, out int ri)
                    && model.Pieces[li].Type == PieceType.Normal && model.Pieces[ri].Type == PieceType.Normal)
                    merges.Add((l, r, p.Score, id));
            }
        }
        return merges.OrderByDescending(m => m.Score).ThenBy(m => m.Id).ThenBy(m => m.L.Length).Select(m => (m.L, m.R));
    }

    static JsonNode? PostProcessor(SpmModel model, bool addBos, bool addEos)
    {
        var spec = model.TrainerSpec;
        int bos = model.Pieces.FindIndex(p => p.Piece == spec.BosPiece), eos = model.Pieces.FindIndex(p => p.Piece == spec.EosPiece);
        var single = new JsonArray();
        var special = new JsonObject();
        if (addBos && bos >= 0)
        {
            single.Add(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = spec.BosPiece, ["type_id"] = 0 } });
            special[spec.BosPiece] = new JsonObject { ["id"] = spec.BosPiece, ["ids"] = new JsonArray(bos), ["tokens"] = new JsonArray(spec.BosPiece) };
        }
        single.Add(new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } });
        if (addEos && eos >= 0)
        {
            single.Add(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = spec.EosPiece, ["type_id"] = 0 } });
            special[spec.EosPiece] = new JsonObject { ["id"] = spec.EosPiece, ["ids"] = new JsonArray(eos), ["tokens"] = new JsonArray(spec.EosPiece) };
        }
        var pair = new JsonArray();
        foreach (var n in single) pair.Add(n!.DeepClone());
        foreach (var n in single)
        {
            var c = n!.DeepClone();
            if (c["Sequence"] is JsonObject seq) { seq["id"] = "B"; seq["type_id"] = 1; }
            else if (c["SpecialToken"] is JsonObject st) st["type_id"] = 1;
            pair.Add(c);
        }
        return new JsonObject { ["type"] = "TemplateProcessing", ["single"] = single, ["pair"] = pair, ["special_tokens"] = special };
    }
}
