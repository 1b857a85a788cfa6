using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Common;

namespace Tsumugi.Evaluation;

/// <summary>
/// The envelope every `tsumugi eval … --output FILE.json` shares, so `eval report` can put any runs side by side:
/// <c>{"kind", "model", "created", "metrics": {"task/metric": value}, "details": {…}}</c>. <c>details</c> holds the
/// kind-specific audit trail (per-sample inputs, gold answers, predictions, scores) and is never needed by the report.
/// </summary>
public sealed record EvalSummary(string Kind, string Model, DateTimeOffset Created, IReadOnlyDictionary<string, double> Metrics)
{
    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keep Japanese readable
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the envelope plus <paramref name="details"/> (serialised with snake_case names) atomically.</summary>
    public void Write(string path, object? details)
    {
        var root = new JsonObject
        {
            ["kind"] = Kind,
            ["model"] = Model,
            ["created"] = Created.ToString("O"),
            ["metrics"] = JsonSerializer.SerializeToNode(Metrics, Options),
            ["details"] = details is null ? null : JsonSerializer.SerializeToNode(details, details.GetType(), Options),
        };
        AtomicFile.WriteAllText(path, root.ToJsonString(Options));
    }

    /// <summary>Reads the envelope of a result file; errors name the file and the missing or malformed field.</summary>
    public static EvalSummary Read(string path)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a JSON eval result ({e.Message})."); }
        if (root is not JsonObject obj) throw new InvalidDataException($"{path}: expected a JSON object with kind, model, created and metrics.");
        string Field(string name) => obj[name]?.GetValueKind() == JsonValueKind.String
            ? obj[name]!.GetValue<string>()
            : throw new InvalidDataException($"{path}: field '{name}' missing or not a string; is this a `tsumugi eval … --output` file?");
        if (obj["metrics"] is not JsonObject metrics)
            throw new InvalidDataException($"{path}: field 'metrics' missing or not an object of name → number.");
        var values = new Dictionary<string, double>();
        foreach (var (name, value) in metrics)
            values[name] = value?.GetValueKind() switch
            {
                JsonValueKind.Number => value.GetValue<double>(),
                JsonValueKind.String when double.TryParse(value.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
                _ => throw new InvalidDataException($"{path}: metrics.{name} is not a number."),
            };
        return new EvalSummary(Field("kind"), Field("model"), DateTimeOffset.Parse(Field("created"), System.Globalization.CultureInfo.InvariantCulture), values);
    }
}
