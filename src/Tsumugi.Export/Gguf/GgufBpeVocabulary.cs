using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Export.Gguf;

/// <summary>
/// The <c>tokenizer.*</c> keys of a byte-level BPE vocabulary ("gpt2" in GGUF: GPT-2, Llama 3, Qwen2), as
/// convert_hf_to_gguf.py writes them from tokenizer.json: tokens in id order (the byte-level strings, "Ġthe"), their
/// types (1 normal, 3 control for special added tokens, 4 user-defined for other added tokens, 5 unused padding),
/// the merges as "a b" strings, llama.cpp's pre-tokenizer name for the split regex, and the special ids.
/// </summary>
public static class GgufBpeVocabulary
{
    /// <summary>
    /// llama.cpp names its pre-tokenizers; it recognises them by the split regex, as we do: Llama 3's ("llama-bpe"),
    /// Qwen2's (digits one by one), and GPT-2's built into the ByteLevel pre-tokenizer.
    /// </summary>
    static readonly (string Marker, string Name)[] PreTokenizers =
    [
        (@"\p{N}{1,3}", "llama-bpe"),
        (@"\p{N}|", "qwen2"),
    ];

    /// <summary>True when <paramref name="tokenizerJson"/> is a byte-level BPE tokenizer.json (its decoder or pre-tokenizer is ByteLevel).</summary>
    public static bool IsByteLevel(string tokenizerJson)
    {
        var root = Read(tokenizerJson);
        return (string?)root["model"]?["type"] == "BPE" && root.ToJsonString().Contains("\"ByteLevel\"", StringComparison.Ordinal);
    }

    public static void Write(GgufWriter writer, string tokenizerJson, int modelVocabSize, JsonObject? tokenizerConfig)
    {
        var root = Read(tokenizerJson);
        var model = root["model"] as JsonObject ?? throw new InvalidDataException($"{tokenizerJson}: no \"model\" object.");
        var vocab = model["vocab"] as JsonObject ?? throw new InvalidDataException($"{tokenizerJson}: model.vocab must be a {{token: id}} object.");
        var tokens = new Dictionary<int, (string Token, int Type)>();
        foreach (var (token, id) in vocab) tokens[(int)id!] = (token, 1);
        foreach (var added in (root["added_tokens"] as JsonArray ?? []).OfType<JsonObject>())
            tokens[(int)added["id"]!] = ((string)added["content"]!, (bool?)added["special"] == true ? 3 : 4);
        int count = tokens.Count == 0 ? 0 : tokens.Keys.Max() + 1;
        if (count > modelVocabSize)
            throw new InvalidDataException($"{tokenizerJson}: the tokenizer has ids up to {count - 1:N0} but the model only {modelVocabSize:N0} embedding rows; it is not this model's tokenizer.");
        // One token per embedding row: ids without a token (a vocabulary padded for GEMM speed) become unused padding.
        var list = new List<string>(modelVocabSize);
        var types = new List<int>(modelVocabSize);
        for (int id = 0; id < modelVocabSize; id++)
        {
            var (token, type) = tokens.TryGetValue(id, out var t) ? t : ($"[PAD{id}]", 5);
            list.Add(token);
            types.Add(type);
        }
        var merges = (model["merges"] as JsonArray ?? []).Select(m => m switch
        {
            JsonArray pair => $"{(string)pair[0]!} {(string)pair[1]!}",
            _ => (string)m!,
        }).ToList();

        writer.AddString("tokenizer.ggml.model", "gpt2");
        writer.AddString("tokenizer.ggml.pre", PreTokenizer(root));
        writer.AddArray("tokenizer.ggml.tokens", list);
        writer.AddArray("tokenizer.ggml.token_type", types);
        writer.AddArray("tokenizer.ggml.merges", merges);
        var ids = list.Select((token, id) => (token, id)).GroupBy(x => x.token).ToDictionary(g => g.Key, g => g.First().id, StringComparer.Ordinal);
        int? Id(string key) => SpecialToken(tokenizerConfig, key) is { } s && ids.TryGetValue(s, out var id) ? id : null;
        if (Id("bos_token") is { } bos) writer.AddUInt32("tokenizer.ggml.bos_token_id", (uint)bos);
        if (Id("eos_token") is { } eos) writer.AddUInt32("tokenizer.ggml.eos_token_id", (uint)eos);
        if (Id("pad_token") is { } pad) writer.AddUInt32("tokenizer.ggml.padding_token_id", (uint)pad);
        writer.AddBool("tokenizer.ggml.add_bos_token", tokenizerConfig?["add_bos_token"] is JsonValue v && v.TryGetValue<bool>(out var add) ? add : AddsBos(root));
        if (GgufVocabulary.ChatTemplate(tokenizerConfig) is { } template) writer.AddString("tokenizer.chat_template", template);
    }

    static string PreTokenizer(JsonObject root)
    {
        foreach (var (marker, name) in PreTokenizers)
            if (root["pre_tokenizer"] is { } pre && PatternsOf(pre).Any(p => p.Contains(marker, StringComparison.Ordinal))) return name;
        return "gpt-2";
    }

    /// <summary>Every Split pattern's regex string inside a pre_tokenizer (a Sequence or a single Split).</summary>
    static IEnumerable<string> PatternsOf(JsonNode node)
    {
        if (node is JsonObject o)
        {
            if ((string?)o["type"] == "Split" && o["pattern"]?["Regex"] is JsonValue r && r.TryGetValue<string>(out var regex)) yield return regex;
            foreach (var child in (o["pretokenizers"] as JsonArray ?? []).OfType<JsonNode>())
                foreach (var p in PatternsOf(child)) yield return p;
        }
    }

    /// <summary>A TemplateProcessing post-processor that starts single sequences with a special token adds BOS (Llama 3).</summary>
    static bool AddsBos(JsonObject root) =>
        root["post_processor"] is JsonObject post && PostProcessors(post).Any(p => (string?)p["type"] == "TemplateProcessing" && p["single"] is JsonArray single &&
                                                                                 single.FirstOrDefault() is JsonObject first && first.ContainsKey("SpecialToken"));

    static IEnumerable<JsonObject> PostProcessors(JsonObject post) =>
        (string?)post["type"] == "Sequence" ? (post["processors"] as JsonArray ?? []).OfType<JsonObject>() : [post];

    /// <summary>A special token of tokenizer_config.json: a string or an AddedToken object.</summary>
    static string? SpecialToken(JsonObject? config, string key) => config?[key] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonObject o => (string?)o["content"],
        _ => null,
    };

    static JsonObject Read(string path)
    {
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: the top level must be a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message})."); }
    }
}
