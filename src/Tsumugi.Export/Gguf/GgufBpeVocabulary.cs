using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Tokenization.ByteLevel;

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

    public static void Write(GgufWriter writer, string tokenizerJson, int modelVocabSize, JsonObject? tokenizerConfig)
    {
        var bpe = ByteLevelBpeModel.Load(tokenizerJson);
        var tokens = new Dictionary<int, (string Token, int Type)>();
        foreach (var (token, id) in bpe.Vocab) tokens[id] = (token, 1);
        foreach (var added in bpe.AddedTokens) tokens[added.Id] = (added.Content, added.Special ? 3 : 4);
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
        var merges = bpe.Merges.Select(m => $"{m.Left} {m.Right}").ToList();

        writer.AddString("tokenizer.ggml.model", "gpt2");
        writer.AddString("tokenizer.ggml.pre", PreTokenizer(bpe.SplitPattern));
        writer.AddArray("tokenizer.ggml.tokens", list);
        writer.AddArray("tokenizer.ggml.token_type", types);
        writer.AddArray("tokenizer.ggml.merges", merges);
        var ids = list.Select((token, id) => (token, id)).GroupBy(x => x.token).ToDictionary(g => g.Key, g => g.First().id, StringComparer.Ordinal);
        int? Id(string key) => SpecialToken(tokenizerConfig, key) is { } s && ids.TryGetValue(s, out var id) ? id : null;
        if (Id("bos_token") is { } bos) writer.AddUInt32("tokenizer.ggml.bos_token_id", (uint)bos);
        if (Id("eos_token") is { } eos) writer.AddUInt32("tokenizer.ggml.eos_token_id", (uint)eos);
        if (Id("pad_token") is { } pad) writer.AddUInt32("tokenizer.ggml.padding_token_id", (uint)pad);
        writer.AddBool("tokenizer.ggml.add_bos_token", tokenizerConfig?["add_bos_token"] is JsonValue v && v.TryGetValue<bool>(out var add) ? add : AddsBos(Read(tokenizerJson)));
        if (GgufVocabulary.ChatTemplate(tokenizerConfig) is { } template) writer.AddString("tokenizer.chat_template", template);
    }

    /// <summary>The pre-tokenizer's split regex (null: GPT-2's, built into the ByteLevel pre-tokenizer).</summary>
    static string PreTokenizer(string? splitPattern)
    {
        foreach (var (marker, name) in PreTokenizers)
            if (splitPattern?.Contains(marker, StringComparison.Ordinal) == true) return name;
        return "gpt-2";
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
