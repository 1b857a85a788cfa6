using System.Text.Json.Nodes;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Export.Gguf;

/// <summary>
/// The <c>tokenizer.*</c> keys of a SentencePiece ("llama") vocabulary, as convert_hf_to_gguf.py writes them: every
/// piece with its score and type (GGUF token types are SentencePiece's enum values: 1 normal, 2 unknown, 3 control,
/// 4 user-defined, 5 unused, 6 byte), the special ids, add_bos/add_eos from tokenizer_config.json and its chat
/// template.
/// </summary>
public static class GgufVocabulary
{
    public static void Write(GgufWriter writer, SpmModel tokenizer, int modelVocabSize, JsonObject? tokenizerConfig)
    {
        var pieces = tokenizer.Pieces;
        if (pieces.Count > modelVocabSize)
            throw new InvalidDataException($"the tokenizer has {pieces.Count:N0} pieces but the model only {modelVocabSize:N0} embedding rows; it is not this model's tokenizer.");
        var tokens = new List<string>(modelVocabSize);
        var scores = new List<float>(modelVocabSize);
        var types = new List<int>(modelVocabSize);
        foreach (var p in pieces)
        {
            tokens.Add(p.Piece);
            scores.Add(p.Score);
            types.Add((int)p.Type);
        }
        // A vocabulary padded for GEMM speed has rows without pieces; llama.cpp needs one token per row.
        for (int id = pieces.Count; id < modelVocabSize; id++)
        {
            tokens.Add($"[PAD{id}]");
            scores.Add(-1000f);
            types.Add((int)PieceType.Unused);
        }
        writer.AddString("tokenizer.ggml.model", "llama");
        writer.AddArray("tokenizer.ggml.tokens", tokens);
        writer.AddArray("tokenizer.ggml.scores", scores);
        writer.AddArray("tokenizer.ggml.token_type", types);

        var spec = tokenizer.TrainerSpec;
        AddId(writer, "tokenizer.ggml.bos_token_id", spec.BosId, pieces.Count);
        AddId(writer, "tokenizer.ggml.eos_token_id", spec.EosId, pieces.Count);
        AddId(writer, "tokenizer.ggml.unknown_token_id", spec.UnkId, pieces.Count);
        AddId(writer, "tokenizer.ggml.padding_token_id", spec.PadId, pieces.Count);
        writer.AddBool("tokenizer.ggml.add_bos_token", Bool(tokenizerConfig, "add_bos_token") ?? true);
        writer.AddBool("tokenizer.ggml.add_eos_token", Bool(tokenizerConfig, "add_eos_token") ?? false);
        writer.AddBool("tokenizer.ggml.add_space_prefix", tokenizer.NormalizerSpec.AddDummyPrefix);
        writer.AddBool("tokenizer.ggml.remove_extra_whitespaces", tokenizer.NormalizerSpec.RemoveExtraWhitespaces);
        if (ChatTemplate(tokenizerConfig) is { } template) writer.AddString("tokenizer.chat_template", template);
    }

    static void AddId(GgufWriter writer, string key, int id, int count)
    {
        if (id >= 0 && id < count) writer.AddUInt32(key, (uint)id);
    }

    static bool? Bool(JsonObject? config, string key) =>
        config?[key] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    /// <summary>A string, or transformers' list form [{name, template}] (the "default" entry, else the first).</summary>
    public static string? ChatTemplate(JsonObject? config)
    {
        switch (config?["chat_template"])
        {
            case JsonValue v when v.TryGetValue<string>(out var s):
                return s;
            case JsonArray list:
                var named = list.OfType<JsonObject>().ToList();
                var chosen = named.FirstOrDefault(o => (string?)o["name"] == "default") ?? named.FirstOrDefault();
                return chosen?["template"] is JsonValue t && t.TryGetValue<string>(out var template) ? template : null;
            default:
                return null;
        }
    }
}
