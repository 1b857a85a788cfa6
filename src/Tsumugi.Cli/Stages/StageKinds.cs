using Tsumugi.Orchestration;

namespace Tsumugi.Cli.Stages;

/// <summary>Every `kind:` a pipeline stage can have, by name.</summary>
public static class StageKinds
{
    public static IReadOnlyDictionary<string, IStageKind> All { get; } =
        DataStages.All().Concat(ModelStages.All()).Concat(ReleaseStages.All()).Append(new DemoReportStage())
            .ToDictionary(k => k.Name, StringComparer.Ordinal);
}
