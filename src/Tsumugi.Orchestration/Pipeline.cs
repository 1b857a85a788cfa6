using Tsumugi.Common.Config;

namespace Tsumugi.Orchestration;

/// <summary>A pipeline file prepared against the stage kinds: every stage checked, referenced and fingerprinted.</summary>
public sealed class Pipeline
{
    public required PipelineSpec Spec { get; init; }
    /// <summary>The output folder: each stage writes OUTPUT/NAME, the state lives in OUTPUT/.pipeline.</summary>
    public required string Output { get; init; }
    /// <summary>The enabled stages, in run order.</summary>
    public required IReadOnlyList<PreparedStage> Stages { get; init; }
    /// <summary>Stages with <c>enabled: false</c>.</summary>
    public required IReadOnlyList<StageSpec> Disabled { get; init; }

    /// <summary>
    /// Prepares every stage. Config errors are collected over all stages and thrown together, so one `pipeline plan`
    /// names every mistake in the file at once.
    /// </summary>
    public static Pipeline Prepare(PipelineSpec spec, IReadOnlyDictionary<string, IStageKind> kinds, string? output = null)
    {
        output = Path.GetFullPath(output ?? spec.Output ?? $"{spec.Name}-output");
        var prepared = new Dictionary<string, PreparedStage>(StringComparer.Ordinal);
        var errors = new List<string>();
        var order = new List<PreparedStage>();
        foreach (var stage in spec.Stages)
        {
            if (!stage.Enabled) continue;
            var directory = Path.Combine(output, stage.Name);
            var context = new StageContext(spec, stage, directory, name => prepared.GetValueOrDefault(name));
            StagePlan plan;
            IStageKind? kind = kinds.GetValueOrDefault(stage.Kind);
            try
            {
                if (kind is null)
                    throw stage.Settings.Error("kind", $"unknown kind '{stage.Kind}' (known: {string.Join(", ", kinds.Keys.Order(StringComparer.Ordinal))})");
                // watch: files the stage's own config reads (an SFT config's data files): edits to them rerun the stage.
                foreach (var path in stage.Settings.List("watch") ?? []) context.Watch(Path.GetFullPath(path, spec.Directory));
                plan = kind.Prepare(context);
                stage.Settings.EnsureAllUsed();
            }
            catch (Exception e) when (e is ConfigException or FormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
            {
                errors.Add(e.Message);
                // Later stages still get checked against it: a stand-in with its folder as the product.
                plan = new StagePlan { Run = _ => throw new InvalidOperationException("unprepared stage") };
                kind ??= new UnknownKind(stage.Kind);
            }
            var result = new PreparedStage
            {
                Spec = stage,
                Kind = kind,
                Plan = plan,
                Directory = directory,
                Upstream = context.Upstream.ToList(),
                Files = context.Files.ToList(),
                Fingerprint = Fingerprints.Of(stage, context.Upstream, context.Files, spec.Directory, output),
            };
            prepared[stage.Name] = result;
            order.Add(result);
        }
        if (errors.Count > 0) throw new PipelineConfigException(errors);
        return new Pipeline { Spec = spec, Output = output, Stages = order, Disabled = spec.Stages.Where(s => !s.Enabled).ToList() };
    }

    /// <summary>What a run would do with each stage now, given the output's state (in run order).</summary>
    /// <param name="forced">Stages to run again whatever their state (`--rerun`): after a change no fingerprint sees, such as a new Tsumugi.</param>
    public List<(PreparedStage Stage, StageDecision Decision)> Decide(PipelineState state, IReadOnlyCollection<string>? forced = null)
    {
        foreach (var name in forced ?? [])
            if (Stages.All(s => s.Name != name)) throw new ConfigException($"--rerun {name}: no such enabled stage (stages: {string.Join(", ", Stages.Select(s => s.Name))})");
        var decisions = new List<(PreparedStage, StageDecision)>();
        var rerun = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in Stages)
        {
            bool upstream = stage.Upstream.Any(u => rerun.Contains(u.Name)) || forced?.Contains(stage.Name) == true;
            var decision = StageDecisions.For(stage, state.Find(stage.Name), upstream);
            if (decision != StageDecision.Skip) rerun.Add(stage.Name);
            decisions.Add((stage, decision));
        }
        return decisions;
    }

    sealed class UnknownKind(string name) : IStageKind
    {
        public string Name => name;
        public string Help => "";
        public StagePlan Prepare(StageContext context) => throw new InvalidOperationException();
    }
}

/// <summary>Every config error of a pipeline file, one per line.</summary>
public sealed class PipelineConfigException(IReadOnlyList<string> errors)
    : ConfigException(errors.Count == 1 ? errors[0] : $"{errors.Count} problems:\n  " + string.Join("\n  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
