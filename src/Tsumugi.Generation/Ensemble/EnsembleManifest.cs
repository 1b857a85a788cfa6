using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Generation.Ensemble;

/// <summary>
/// <c>ensemble.json</c>: what makes a directory a Branch-Train-Merge ensemble (docs/btm.md). The experts' model
/// directories (relative to the ensemble directory), the domain prior P(D=j) (null: uniform), how many experts keep
/// posterior mass (<see cref="TopK"/>) and the EMA rate the prior was estimated with.
/// </summary>
public sealed record EnsembleManifest
{
    public const string FileName = "ensemble.json";
    public const string Format = "tsumugi-btm-ensemble";

    public required IReadOnlyList<EnsembleExpert> Experts { get; init; }

    /// <summary>P(D=j) per expert, summing to 1; null = uniform.</summary>
    public IReadOnlyList<double>? Prior { get; init; }

    public required int TopK { get; init; }

    /// <summary>The EMA rate of the cached prior (recorded for the audit trail; inference reads only <see cref="Prior"/>).</summary>
    public double PriorEmaRate { get; init; } = 0.3;

    /// <summary>Held-out documents the prior was estimated on (0: uniform prior).</summary>
    public int PriorDocuments { get; init; }

    /// <summary>log P(D=j), uniform when <see cref="Prior"/> is null.</summary>
    public double[] LogPrior() => Prior is { } p ? p.Select(v => Math.Log(v)).ToArray() : Enumerable.Repeat(-Math.Log(Experts.Count), Experts.Count).ToArray();

    /// <summary>True when <paramref name="directory"/> holds an ensemble.json.</summary>
    public static bool IsEnsembleDirectory(string directory) => File.Exists(System.IO.Path.Combine(directory, FileName));

    /// <summary>Reads and checks DIR/ensemble.json; every problem names the file and the field.</summary>
    public static EnsembleManifest Read(string directory)
    {
        var file = System.IO.Path.Combine(directory, FileName);
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: not found; an ensemble directory is written by `tsumugi btm` with combine.method: ensemble (docs/btm.md)");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(file));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}:{(e.LineNumber ?? 0) + 1}: not valid JSON: {e.Message}");
        }
        if (root is not JsonObject o) throw new InvalidDataException($"{file}: expected an object with experts, prior, top_k");
        var known = new[] { "format", "experts", "prior", "top_k", "prior_ema_rate", "prior_documents" };
        foreach (var (key, _) in o)
            if (!known.Contains(key)) throw Bad(file, key, $"unknown field (known: {string.Join(", ", known)})");
        if (o["format"]?.GetValue<string>() is { } format && format != Format) throw Bad(file, "format", $"'{format}' is not {Format}");
        if (o["experts"] is not JsonArray list || list.Count == 0) throw Bad(file, "experts", "a non-empty list of {name, path} is required");
        var experts = new List<EnsembleExpert>();
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject e || e["name"]?.GetValue<string>() is not { Length: > 0 } name || e["path"]?.GetValue<string>() is not { Length: > 0 } path)
                throw Bad(file, $"experts[{i}]", "needs a name and a path (the expert's model directory, relative to the ensemble directory)");
            if (experts.Any(x => x.Name == name)) throw Bad(file, $"experts[{i}].name", $"'{name}' appears twice");
            experts.Add(new EnsembleExpert(name, path));
        }
        double[]? prior = null;
        if (o["prior"] is JsonArray p)
        {
            prior = p.Select(v => v?.GetValue<double>() ?? double.NaN).ToArray();
            if (prior.Length != experts.Count) throw Bad(file, "prior", $"{prior.Length} values for {experts.Count} experts");
            if (prior.Any(v => !double.IsFinite(v) || v <= 0)) throw Bad(file, "prior", "every P(D=j) must be a positive number");
            if (Math.Abs(prior.Sum() - 1) > 1e-6) throw Bad(file, "prior", $"the values sum to {prior.Sum():R}, not 1");
        }
        int topK = o["top_k"]?.GetValue<int>() ?? experts.Count;
        if (topK < 1 || topK > experts.Count) throw Bad(file, "top_k", $"{topK} is outside 1..{experts.Count} (the number of experts)");
        double rate = o["prior_ema_rate"]?.GetValue<double>() ?? 0.3;
        if (!(rate > 0 && rate <= 1)) throw Bad(file, "prior_ema_rate", $"{rate} is outside (0, 1]");
        return new EnsembleManifest
        {
            Experts = experts, Prior = prior, TopK = topK, PriorEmaRate = rate, PriorDocuments = o["prior_documents"]?.GetValue<int>() ?? 0,
        };
    }

    static InvalidDataException Bad(string file, string field, string message) => new($"{file}: {field}: {message}");

    /// <summary>Writes DIR/ensemble.json atomically.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var o = new JsonObject
        {
            ["format"] = Format,
            ["experts"] = new JsonArray(Experts.Select(e => (JsonNode)new JsonObject { ["name"] = e.Name, ["path"] = e.Path }).ToArray()),
            ["prior"] = Prior is null ? null : new JsonArray(Prior.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            ["top_k"] = TopK,
            ["prior_ema_rate"] = PriorEmaRate,
            ["prior_documents"] = PriorDocuments,
        };
        Common.AtomicFile.WriteAllText(System.IO.Path.Combine(directory, FileName), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
