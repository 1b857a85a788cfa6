using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tsumugi.Tokenization.ByteLevel;

/// <summary>tokenizer.json / tokenizer_config.json of a byte-level BPE tokenizer, in Hugging Face's format.</summary>
public static class ByteLevelBpeJson
{
    /// <summary>True when the file's model is BPE with a ByteLevel pre-tokenizer or decoder (GPT-2, Llama 3, Qwen2).</summary>
    public static bool IsByteLevelBpe(string tokenizerJsonPath)
    {
        using var doc = Parse(tokenizerJsonPath);
        var root = doc.RootElement;
        return root.TryGetProperty("model", out var m) && m.TryGetProperty("type", out var t) && t.GetString() == "BPE"
               && (HasByteLevel(root, "pre_tokenizer") || HasByteLevel(root, "decoder"));
    }

    static bool HasByteLevel(JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var e) || e.ValueKind != JsonValueKind.Object) return false;
        if (e.TryGetProperty("type", out var t) && t.GetString() == "ByteLevel") return true;
        foreach (var listName in new[] { "pretokenizers", "decoders" })
            if (e.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var item in list.EnumerateArray())
                    if (item.TryGetProperty("type", out var it) && it.GetString() == "ByteLevel") return true;
        return false;
    }

    static JsonDocument Parse(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not valid JSON ({e.Message}); pass a Hugging Face tokenizer.json."); }
    }

    public static ByteLevelBpeModel Read(string path)
    {
        using var doc = Parse(path);
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var m) || m.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path} has no model; pass a Hugging Face tokenizer.json.");
        if (!m.TryGetProperty("type", out var type) || type.GetString() != "BPE")
            throw new InvalidDataException($"{path}: model.type is {(m.TryGetProperty("type", out var t) ? t.GetString() : "missing")}; a byte-level tokenizer has a BPE model.");
        foreach (var field in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (m.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0)
                throw new NotSupportedException($"{path}: model.{field} is set; byte-level BPE with subword affixes is not supported.");
        if (m.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True)
            throw new NotSupportedException($"{path}: model.byte_fallback is true, which byte-level BPE does not use; this looks like a SentencePiece-style BPE.");

        var model = new ByteLevelBpeModel { IgnoreMerges = m.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True };
        if (!m.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: model.vocab is missing or not an object of token → id.");
        foreach (var p in vocab.EnumerateObject()) model.Vocab[p.Name] = p.Value.GetInt32();
        if (m.TryGetProperty("merges", out var merges) && merges.ValueKind == JsonValueKind.Array)
        {
            int k = 0;
            foreach (var e in merges.EnumerateArray())
            {
                if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 2) model.Merges.Add((e[0].GetString()!, e[1].GetString()!));
                else if (e.ValueKind == JsonValueKind.String && e.GetString()!.Split(' ', 2) is [var a, var b]) model.Merges.Add((a, b));
                else throw new InvalidDataException($"{path}: model.merges[{k}] is neither \"a b\" nor [a, b].");
                k++;
            }
        }
        if (root.TryGetProperty("added_tokens", out var at) && at.ValueKind == JsonValueKind.Array)
            foreach (var e in at.EnumerateArray())
            {
                bool special = Bool(e, "special", false);
                model.AddedTokens.Add(new AddedToken(e.GetProperty("id").GetInt32(), e.GetProperty("content").GetString()!, special,
                    Bool(e, "lstrip", false), Bool(e, "rstrip", false), Bool(e, "single_word", false), Bool(e, "normalized", !special)));
            }
        ReadNormalizer(root, path, model);
        ReadPreTokenizer(root, path, model);
        ReadConfig(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer_config.json"), model);
        return model;
    }

    static bool Bool(JsonElement e, string name, bool def) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.True : def;

    static void ReadNormalizer(JsonElement root, string path, ByteLevelBpeModel model)
    {
        if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind == JsonValueKind.Null) return;
        var type = n.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type == "NFC") model.Nfc = true;
        else if (type == "Sequence" && n.TryGetProperty("normalizers", out var list) && list.GetArrayLength() == 0) return;
        else throw new NotSupportedException($"{path}: normalizer {type} is not supported for byte-level BPE; supported: none or NFC.");
    }

    static void ReadPreTokenizer(JsonElement root, string path, ByteLevelBpeModel model)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var p) || p.ValueKind != JsonValueKind.Object)
            throw new NotSupportedException($"{path}: pre_tokenizer is missing; byte-level BPE needs ByteLevel or Sequence[Split, ByteLevel].");
        var type = p.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type == "ByteLevel")
        {
            model.AddPrefixSpace = Bool(p, "add_prefix_space", false);
            if (!Bool(p, "use_regex", true))
                throw new NotSupportedException($"{path}: pre_tokenizer ByteLevel with use_regex false and no Split is not supported (the whole text would be one pre-token).");
            model.SplitPattern = null;
            return;
        }
        if (type == "Sequence" && p.TryGetProperty("pretokenizers", out var list) && list.GetArrayLength() == 2)
        {
            var split = list[0];
            var bl = list[1];
            if (split.GetProperty("type").GetString() == "Split" && bl.GetProperty("type").GetString() == "ByteLevel" && !Bool(bl, "use_regex", true)
                && split.TryGetProperty("pattern", out var pat) && pat.TryGetProperty("Regex", out var rx)
                && (split.TryGetProperty("behavior", out var beh) ? beh.GetString() : "") == "Isolated" && !Bool(split, "invert", false))
            {
                model.SplitPattern = rx.GetString();
                model.AddPrefixSpace = Bool(bl, "add_prefix_space", false);
                return;
            }
        }
        throw new NotSupportedException($"{path}: pre_tokenizer {type} of this shape is not supported; supported: ByteLevel{{use_regex:true}} (GPT-2) " +
                                        "or Sequence[Split{pattern:{Regex}, behavior:Isolated, invert:false}, ByteLevel{use_regex:false}] (Llama 3, Qwen2).");
    }

    /// <summary>bos_token / eos_token of tokenizer_config.json (a string or an {content} object), when the file exists.</summary>
    static void ReadConfig(string configPath, ByteLevelBpeModel model)
    {
        if (!File.Exists(configPath)) return;
        using var doc = Parse(configPath);
        model.BosToken = Token(doc.RootElement, "bos_token");
        model.EosToken = Token(doc.RootElement, "eos_token");

        static string? Token(JsonElement root, string name) =>
            !root.TryGetProperty(name, out var e) ? null
            : e.ValueKind == JsonValueKind.String ? e.GetString()
            : e.ValueKind == JsonValueKind.Object && e.TryGetProperty("content", out var c) ? c.GetString() : null;
    }

    static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Save(ByteLevelBpeModel model, string dir)
    {
        Directory.CreateDirectory(dir);
        using (var fs = File.Create(Path.Combine(dir, "tokenizer.json")))
        using (var w = new Utf8JsonWriter(fs, WriterOptions))
            WriteTokenizerJson(model, w);
        using (var fs = File.Create(Path.Combine(dir, "tokenizer_config.json")))
        using (var w = new Utf8JsonWriter(fs, WriterOptions))
            WriteConfig(model, w);
    }

    static void WriteAddedTokenFields(Utf8JsonWriter w, AddedToken t)
    {
        w.WriteString("content", t.Content);
        w.WriteBoolean("single_word", t.SingleWord);
        w.WriteBoolean("lstrip", t.LStrip);
        w.WriteBoolean("rstrip", t.RStrip);
        w.WriteBoolean("normalized", t.Normalized);
        w.WriteBoolean("special", t.Special);
    }

    static void WriteByteLevel(Utf8JsonWriter w, bool addPrefixSpace, bool trimOffsets, bool useRegex)
    {
        w.WriteStartObject();
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", trimOffsets);
        w.WriteBoolean("use_regex", useRegex);
        w.WriteEndObject();
    }

    static void WriteTokenizerJson(ByteLevelBpeModel model, Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var t in model.AddedTokens.OrderBy(t => t.Id))
        {
            w.WriteStartObject();
            w.WriteNumber("id", t.Id);
            WriteAddedTokenFields(w, t);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (model.Nfc) { w.WriteStartObject("normalizer"); w.WriteString("type", "NFC"); w.WriteEndObject(); }
        else w.WriteNull("normalizer");
        w.WritePropertyName("pre_tokenizer");
        if (model.SplitPattern == null) WriteByteLevel(w, model.AddPrefixSpace, true, true);
        else
        {
            w.WriteStartObject();
            w.WriteString("type", "Sequence");
            w.WriteStartArray("pretokenizers");
            w.WriteStartObject();
            w.WriteString("type", "Split");
            w.WriteStartObject("pattern");
            w.WriteString("Regex", model.SplitPattern);
            w.WriteEndObject();
            w.WriteString("behavior", "Isolated");
            w.WriteBoolean("invert", false);
            w.WriteEndObject();
            WriteByteLevel(w, model.AddPrefixSpace, false, false);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WritePropertyName("post_processor");
        WriteByteLevel(w, true, false, true);
        w.WritePropertyName("decoder");
        WriteByteLevel(w, true, true, true);
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", model.IgnoreMerges);
        w.WriteStartObject("vocab");
        foreach (var (token, id) in model.Vocab.OrderBy(p => p.Value)) w.WriteNumber(token, id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (a, b) in model.Merges)
        {
            w.WriteStartArray();
            w.WriteStringValue(a);
            w.WriteStringValue(b);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    static void WriteConfig(ByteLevelBpeModel model, Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteBoolean("add_bos_token", model.BosToken != null);
        w.WriteBoolean("add_eos_token", false);
        w.WriteStartObject("added_tokens_decoder");
        foreach (var t in model.AddedTokens.OrderBy(t => t.Id))
        {
            w.WriteStartObject(t.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            WriteAddedTokenFields(w, t);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        if (model.BosToken != null) w.WriteString("bos_token", model.BosToken); else w.WriteNull("bos_token");
        if (model.EosToken != null) w.WriteString("eos_token", model.EosToken); else w.WriteNull("eos_token");
        // Decoded text is returned as the model produced it: no " ." → "." clean-up.
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        w.WriteNumber("model_max_length", 131072);
        w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        w.WriteEndObject();
    }
}
