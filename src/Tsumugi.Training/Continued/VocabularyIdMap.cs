using System.Globalization;
using System.Text.Json;

namespace Tsumugi.Training.Continued;

/// <summary>
/// The id-map.json that `tsumugi tokenizer extend` writes next to an extended tokenizer: for each new id, the
/// old-tokenizer ids its piece splits into. When present it decides which old rows a new row is averaged from.
/// </summary>
/// <param name="OldVocabSize">Pieces of the base tokenizer the map was computed with.</param>
/// <param name="NewVocabSize">Pieces of the extended tokenizer.</param>
/// <param name="NewTokens">New id → the old ids its piece splits into.</param>
public sealed record VocabularyIdMap(int OldVocabSize, int NewVocabSize, IReadOnlyDictionary<int, int[]> NewTokens)
{
    public const string FileName = "id-map.json";

    /// <summary>Reads an id map; a malformed file is an <see cref="InvalidDataException"/> naming the file and key.</summary>
    public static VocabularyIdMap Read(string path)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message})."); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: the top level must be a JSON object.");
            int Size(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n > 0
                ? n : throw new InvalidDataException($"{path}: {key} must be a positive integer.");
            int oldSize = Size("old_vocab_size"), newSize = Size("new_vocab_size");
            if (!root.TryGetProperty("new_tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: new_tokens must be an object of new id → [old ids].");
            var map = new SortedDictionary<int, int[]>();
            foreach (var entry in tokens.EnumerateObject())
            {
                if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                    throw new InvalidDataException($"{path}: new_tokens key '{entry.Name}' is not a token id.");
                if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number || !x.TryGetInt32(out _)))
                    throw new InvalidDataException($"{path}: new_tokens[{entry.Name}] must be a list of old token ids.");
                map[id] = entry.Value.EnumerateArray().Select(x => x.GetInt32()).ToArray();
            }
            return new VocabularyIdMap(oldSize, newSize, map);
        }
    }
}
