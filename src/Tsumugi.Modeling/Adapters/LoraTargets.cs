using System.Text.RegularExpressions;
using TorchSharp.Modules;
using Tsumugi.Modeling.Layers;

namespace Tsumugi.Modeling.Adapters;

/// <summary>One projection an adapter wraps, with the rank and alpha that apply to it (after rank/alpha_pattern).</summary>
internal sealed record LoraTarget(string Path, AdaptableLinear Linear, int Rank, double Alpha);

/// <summary>
/// Which projections a <see cref="LoraConfig"/> selects, by PEFT's rules (tuners_utils check_target_module_exists):
/// a list entry matches a module whose path equals it or ends with "." + it; a string is a regex over the whole path;
/// "all-linear" is every projection (never the LM head). Stricter than PEFT in one way: every listed name must match a
/// projection, so a typo or an adapter for another architecture fails instead of silently training less.
/// </summary>
internal static partial class LoraTargets
{
    /// <summary>PEFT's default target_modules per model type (utils/constants.py).</summary>
    static readonly string[] DefaultTargets = ["q_proj", "v_proj"];

    /// <summary>Every projection that can carry an adapter, by module path.</summary>
    public static List<(string Path, AdaptableLinear Linear)> Projections(LlamaForCausalLM model) =>
        model.named_modules().Where(m => m.module is AdaptableLinear).Select(m => (m.name, (AdaptableLinear)m.module)).ToList();

    public static List<LoraTarget> Resolve(LlamaForCausalLM model, LoraConfig config, string where)
    {
        var projections = Projections(model);
        var names = projections.Select(p => LastName(p.Path)).Distinct().Order(StringComparer.Ordinal).ToList();
        Func<string, bool> selected;
        if (config.TargetModulesRegex is { } pattern)
        {
            var regex = new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant);
            selected = regex.IsMatch;
        }
        else
        {
            var targets = config.TargetModules ?? DefaultTargets;
            if (targets.Contains(LoraConfig.AllLinear)) selected = _ => true;
            else
            {
                foreach (var t in targets)
                {
                    if (projections.Any(p => Matches(p.Path, t))) continue;
                    string hint = t is "lm_head" or "embed_tokens" ? $" ({t} is not a projection LoRA wraps here; list it in modules_to_save to train it in full)" : "";
                    throw new ArgumentException(
                        $"{where}: target module '{t}' matches nothing in this {model.Config.ModelType} model{hint}; its projections are {string.Join(", ", names)}.");
                }
                selected = path => targets.Any(t => Matches(path, t));
            }
        }
        var excluded = config.ExcludeModules ?? [];
        var result = new List<LoraTarget>();
        foreach (var (path, linear) in projections)
        {
            if (!selected(path) || excluded.Any(e => Matches(path, e))) continue;
            if (config.LayersToTransform is { } layers && !(LayerIndex(path) is int index && layers.Contains(index))) continue;
            int rank = Pattern(config.RankPattern, path) is { } rp ? config.RankPattern[rp] : config.Rank;
            double alpha = Pattern(config.AlphaPattern, path) is { } ap ? config.AlphaPattern[ap] : config.Alpha;
            result.Add(new LoraTarget(path, linear, rank, alpha));
        }
        if (result.Count == 0)
            throw new ArgumentException($"{where}: the target modules select no projection of this model (after exclude_modules and layers_to_transform); its projections are {string.Join(", ", names)}.");
        return result;
    }

    /// <summary>The parameters of each modules_to_save module, by parameter path (e.g. <c>lm_head.weight</c>).</summary>
    public static List<(string Name, Parameter Parameter)> ModulesToSave(LlamaForCausalLM model, LoraConfig config, IReadOnlyList<LoraTarget> targets, string where)
    {
        var result = new List<(string, Parameter)>();
        foreach (var m in config.ModulesToSave ?? [])
        {
            var paths = model.named_modules().Select(x => x.name).Where(p => p.Length > 0 && Matches(p, m)).ToList();
            if (paths.Count == 0)
            {
                string hint = m == "lm_head" && model.Config.TieWordEmbeddings ? " (this model ties its embeddings: there is no lm_head, train embed_tokens instead)" : "";
                throw new ArgumentException($"{where}: modules_to_save entry '{m}' matches no module of this model{hint}.");
            }
            if (targets.FirstOrDefault(t => paths.Contains(t.Path)) is { } both)
                throw new ArgumentException($"{where}: '{both.Path}' is both a LoRA target and in modules_to_save; choose one.");
            foreach (var (name, p) in model.named_parameters())
                if (paths.Any(path => name.StartsWith(path + ".", StringComparison.Ordinal)) && !result.Any(r => r.Item1 == name))
                    result.Add((name, p));
        }
        return result;
    }

    static bool Matches(string path, string name) => path == name || path.EndsWith("." + name, StringComparison.Ordinal);

    static string LastName(string path) => path[(path.LastIndexOf('.') + 1)..];

    // PEFT with layers_pattern "layers": the index that follows ".layers." (not an expert's index).
    static int? LayerIndex(string path) => LayerNumber().Match(path) is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;

    // PEFT's get_pattern_key: the first pattern p with re.match(rf"(.*\.)?({p})$", path).
    static string? Pattern<T>(IReadOnlyDictionary<string, T> patterns, string path) =>
        patterns.Keys.FirstOrDefault(p => Regex.IsMatch(path, $"^(.*\\.)?({p})$", RegexOptions.CultureInvariant));

    [GeneratedRegex(@"(?:^|\.)layers\.(\d+)\.")]
    private static partial Regex LayerNumber();
}
