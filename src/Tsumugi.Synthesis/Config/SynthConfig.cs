using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Gates;
using Tsumugi.Synthesis.Inputs;
using Tsumugi.Synthesis.Recipes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Synthesis.Config;

/// <summary>
/// A <c>tsumugi synth</c> config, read and checked whole before the first request: the recipe and its section, the
/// endpoints (keys from environment variables), the inputs (read now, so templates are checked against their
/// fields), sampling, gates and output settings. Every key is in docs/synth.md; relative paths are relative to the
/// config file.
/// </summary>
public sealed class SynthConfig
{
    public static IReadOnlyList<string> RecipeNames { get; } = ["regenerate", "self_instruct", "evol", "persona", "multi_turn", "translate", "pairs"];

    public required string Path { get; init; }
    public required string Text { get; init; }
    public required Recipe Recipe { get; init; }
    public required QualityGates Gates { get; init; }
    public required IReadOnlyList<EndpointSettings> Endpoints { get; init; }
    public required IReadOnlyList<SynthInput> Inputs { get; init; }

    /// <summary>Input lines that were not JSON objects, with file:line: counted, skipped and reported.</summary>
    public required IReadOnlyList<string> SkippedInputs { get; init; }

    public long Seed { get; init; }

    /// <summary>Accepted records per output shard.</summary>
    public int ShardRecords { get; init; }

    /// <summary>Items worked on at once (null: the summed concurrency of the endpoints that answer).</summary>
    public int? Concurrency { get; init; }

    /// <param name="urls">Endpoint URLs to use instead of the config's, by endpoint name (<c>--endpoint-url NAME=URL</c>).</param>
    public static SynthConfig Load(string path, Func<string, string?> environment, IReadOnlyDictionary<string, string>? urls = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: synth config not found (see configs/synth-*.yaml for examples).", path);
        var text = File.ReadAllText(path);
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e) { throw new ConfigException($"{path}:{e.Start.Line}: invalid YAML: {e.Message}"); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) throw new ConfigException($"{path}: the top level must be a mapping of keys");
        var baseDirectory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var s = new YamlSection(root, path, "", allowed: null);

        if (!s.Has("recipe")) throw s.Error("recipe", $"required: one of {string.Join(", ", RecipeNames)}");
        var recipeName = s.Choice("recipe", "", [.. RecipeNames]);
        long seed = s.Long("seed", 1234);
        var input = s.Section("input", allowed: null);
        var paths = input.Has("paths") ? input.RequiredPaths("paths", baseDirectory, "input.paths: [data/seeds.jsonl]") : [];
        var read = InputReader.Read(paths, input.String("id_field"), input.Int("limit", 0));
        input.EnsureAllUsed();
        var endpoints = EndpointSettings.Read(s, "endpoints", environment).ToList();
        foreach (var (name, url) in urls ?? new Dictionary<string, string>())
        {
            int i = endpoints.FindIndex(e => e.Name == name);
            if (i < 0) throw new ArgumentException($"--endpoint-url {name}=…: {path} has no endpoint named '{name}' (it has: {string.Join(", ", endpoints.Select(e => e.Name))})");
            endpoints[i] = endpoints[i] with { Url = url };
            endpoints[i].Validate();
        }
        var answer = Sampling.Read(s.Section("sampling", allowed: null), new Sampling(0.7, 1.0, 1024));
        var setup = new RecipeSetup(read.Records, paths.Count == 0 ? "the inputs (none given)" : string.Join(", ", paths.Select(System.IO.Path.GetFileName)), answer);

        var section = s.Section(recipeName, allowed: null);
        Recipe recipe = recipeName switch
        {
            "regenerate" => RegenerateRecipe.Read(section, setup, answer),
            "self_instruct" => SelfInstructRecipe.Read(section, setup, answer, seed),
            "evol" => EvolRecipe.Read(section, setup, answer),
            "persona" => PersonaRecipe.Read(section, setup, answer),
            "multi_turn" => MultiTurnRecipe.Read(section, setup, answer),
            "translate" => TranslateRecipe.Read(section, setup, answer),
            _ => PairsRecipe.Read(section, setup, answer),
        };
        section.EnsureAllUsed();
        if (recipe.NeedsInputs && read.Records.Count == 0)
            throw s.Error("input", paths.Count == 0 ? $"recipe {recipeName} needs input records: set input.paths" : $"no input records in {setup.InputName}");
        foreach (var other in RecipeNames.Where(n => n != recipeName && s.Has(n)))
            throw s.Error(other, $"a section for recipe '{other}', but recipe is '{recipeName}'; remove it or change recipe");

        var gates = QualityGates.Read(s, path, setup, recipe.InventsPrompts);
        var output = s.Section("output", allowed: null);
        int shardRecords = output.Int("shard_records", 10_000, min: 1);
        output.EnsureAllUsed();
        int? concurrency = s.Has("concurrency") ? s.Int("concurrency", 8, min: 1, max: 4096) : null;
        s.EnsureAllUsed();
        return new SynthConfig
        {
            Path = path, Text = text, Recipe = recipe, Gates = gates, Endpoints = endpoints, Inputs = read.Records, SkippedInputs = read.Skipped,
            Seed = seed, ShardRecords = shardRecords, Concurrency = concurrency,
        };
    }

    /// <summary>Roles some endpoint must have: the recipe's, and the judge's when a judge gate is set.</summary>
    public IEnumerable<string> Roles => Gates.Judge is null ? Recipe.Roles : Recipe.Roles.Append("judge").Distinct();
}
