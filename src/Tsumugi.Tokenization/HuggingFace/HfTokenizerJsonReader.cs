using System.Text.Json;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.HuggingFace;

/// <summary>
/// Reads a Hugging Face `tokenizer.json` of the SentencePiece family (Llama/Mistral BPE with byte fallback,
/// Unigram as written by Tsumugi, llm-jp or SpmConverter) into a <see cref="SpmModel"/>, so it can be encoded,
/// evaluated, extended or re-exported as `tokenizer.model`. BPE merge ranks become spm scores (−rank of the merge
/// that creates the piece), so spm's "highest score first" reproduces HF's "lowest rank first".
/// Added tokens become CONTROL (special) or USER_DEFINED (not special) pieces.
/// </summary>
public static class HfTokenizerJsonReader
{
    public static SpmModel Read(string path)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not valid JSON ({e.Message}); pass a Hugging Face tokenizer.json."); }
        using (doc)
        {
            var root = doc.RootElement;
            if (!root.TryGetProperty("model", out var m) || !m.TryGetProperty("type", out var typeEl))
                throw new InvalidDataException($"{path} has no model.type; pass a Hugging Face tokenizer.json.");
            var type = typeEl.GetString();
            var added = new Dictionary<int, (string Content, bool Special)>();
            if (root.TryGetProperty("added_tokens", out var at) && at.ValueKind == JsonValueKind.Array)
                foreach (var t in at.EnumerateArray())
                    added[t.GetProperty("id").GetInt32()] = (t.GetProperty("content").GetString()!, t.TryGetProperty("special", out var sp) && sp.GetBoolean());
            bool byteFallback = m.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True;
            var model = new SpmModel();
            List<(string Piece, float Score)> vocab;
            int unkId;
            if (type == "Unigram")
            {
                vocab = m.GetProperty("vocab").EnumerateArray().Select(e => (e[0].GetString()!, (float)e[1].GetDouble())).ToList();
                unkId = m.TryGetProperty("unk_id", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetInt32() : -1;
                model.TrainerSpec.ModelType = SpmModelType.Unigram;
            }
            else if (type == "BPE")
            {
                var ids = m.GetProperty("vocab").EnumerateObject().Select(p => (p.Name, Id: p.Value.GetInt32())).OrderBy(p => p.Id).ToList();
                if (ids.Count == 0 || ids[^1].Id != ids.Count - 1) throw new InvalidDataException($"{path}: BPE vocabulary ids are not contiguous 0..N-1.");
                var rank = new Dictionary<string, int>(StringComparer.Ordinal);
                int r = 0;
                foreach (var merge in m.GetProperty("merges").EnumerateArray())
                {
                    string merged = merge.ValueKind == JsonValueKind.Array ? merge[0].GetString() + merge[1].GetString()
                        : string.Concat(merge.GetString()!.Split(' ', 2));
                    rank.TryAdd(merged, r++);
                }
                vocab = ids.Select(p => (p.Name, rank.TryGetValue(p.Name, out int k) ? -(float)k : -(float)(r + p.Id))).ToList();
                var unkToken = m.TryGetProperty("unk_token", out var ut) && ut.ValueKind == JsonValueKind.String ? ut.GetString() : null;
                unkId = unkToken == null ? -1 : ids.FindIndex(p => p.Name == unkToken);
                model.TrainerSpec.ModelType = SpmModelType.Bpe;
            }
            else throw new NotSupportedException($"{path}: model type {type} is not supported; only Unigram and BPE (SentencePiece family) can be read.");
            if (unkId < 0) throw new InvalidDataException($"{path}: the model has no unk token; SentencePiece models need one.");

            for (int i = 0; i < vocab.Count; i++)
            {
                var (piece, score) = vocab[i];
                var t = PieceType.Normal;
                if (i == unkId) t = PieceType.Unknown;
                else if (added.TryGetValue(i, out var a)) t = a.Special ? PieceType.Control : PieceType.UserDefined;
                else if (byteFallback && IsBytePiece(piece)) t = PieceType.Byte;
                model.Pieces.Add(new SpmPiece(piece, t == PieceType.Normal ? score : 0, t));
            }
            var spec = model.TrainerSpec;
            spec.VocabSize = vocab.Count;
            spec.ByteFallback = byteFallback && model.Pieces.Count(p => p.Type == PieceType.Byte) == 256;
            if (!spec.ByteFallback) model.Pieces = model.Pieces.Select(p => p.Type == PieceType.Byte ? p with { Type = PieceType.Normal } : p).ToList();
            spec.UnkId = unkId; spec.UnkPiece = vocab[unkId].Piece;
            spec.BosId = vocab.FindIndex(v => v.Piece == "<s>"); spec.EosId = vocab.FindIndex(v => v.Piece == "</s>");
            spec.UserDefinedSymbols = model.Pieces.Where(p => p.Type == PieceType.UserDefined).Select(p => p.Piece).ToList();
            model.NormalizerSpec = NormalizerFrom(root);
            return model;
        }
    }

    static bool IsBytePiece(string p) => p.Length == 6 && p.StartsWith("<0x", StringComparison.Ordinal) && p[5] == '>' && Uri.IsHexDigit(p[3]) && Uri.IsHexDigit(p[4]);

    /// <summary>Dummy prefix from Prepend("▁"), a Metaspace pre-tokenizer that prepends, or llm-jp's `^` → "▁" rule.</summary>
    static SpmNormalizerSpec NormalizerFrom(JsonElement root)
    {
        var spec = SpmNormalizerSpec.Identity();
        spec.AddDummyPrefix = false;
        void Visit(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array) { foreach (var x in e.EnumerateArray()) Visit(x); return; }
            if (e.ValueKind != JsonValueKind.Object) return;
            var type = e.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "Prepend") spec.AddDummyPrefix = true;
            if (type == "Metaspace" && !(e.TryGetProperty("prepend_scheme", out var ps) && ps.GetString() == "never")
                && !(e.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.False)) spec.AddDummyPrefix = true;
            if (type == "Replace" && e.TryGetProperty("pattern", out var pat) && pat.TryGetProperty("Regex", out var rx) && rx.GetString()!.EndsWith('^')) spec.AddDummyPrefix = true;
            if (type == "Precompiled" && e.TryGetProperty("precompiled_charsmap", out var cm) && cm.ValueKind == JsonValueKind.String)
            {
                spec.PrecompiledCharsmap = Convert.FromBase64String(cm.GetString()!);
                spec.Name = "precompiled";
            }
            foreach (var key in new[] { "normalizers", "pretokenizers" })
                if (e.TryGetProperty(key, out var inner)) Visit(inner);
        }
        if (root.TryGetProperty("normalizer", out var n)) Visit(n);
        if (root.TryGetProperty("pre_tokenizer", out var p)) Visit(p);
        return spec;
    }
}
