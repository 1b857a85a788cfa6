namespace Tsumugi.Orchestration;

/// <summary>
/// What a stage of a given <c>kind:</c> does. The engine knows nothing else about stages: a kind reads its keys from a
/// <see cref="StageContext"/> (which records which earlier stages and which files it depends on) and returns a plan.
/// </summary>
public interface IStageKind
{
    string Name { get; }
    /// <summary>One line for `tsumugi pipeline kinds`: what it runs and its keys.</summary>
    string Help { get; }
    /// <summary>
    /// True when an interrupted run of the stage can continue where it stopped (the trainers, from their newest
    /// checkpoint); otherwise an interrupted stage starts again in an emptied folder.
    /// </summary>
    bool Resumable => false;
    /// <summary>Reads and checks the stage's keys (every error now, before anything runs) and returns its plan.</summary>
    StagePlan Prepare(StageContext context);
}

/// <summary>A prepared stage: what to run, what later stages get when they name it, and how big its work is.</summary>
public sealed class StagePlan
{
    /// <summary>Runs the stage into <see cref="StageRun.Directory"/>; returns a one-line summary of what it did.</summary>
    public required Func<StageRun, string> Run { get; init; }
    /// <summary>The stage's product, relative to its folder ("" = the folder; a trainer's is "model").</summary>
    public string Product { get; init; } = "";
    /// <summary>
    /// The size of the stage's work for time estimates (bytes in, steps), or null while it cannot be known (its inputs
    /// come from a stage that has not run yet). Units must be stable per kind: rates are kept per kind and unit.
    /// </summary>
    public Func<StageWork?> Work { get; init; } = () => null;
}

/// <summary>An amount of work in a unit ("bytes", "steps", "models").</summary>
public sealed record StageWork(double Amount, string Unit);

/// <summary>One execution of a stage.</summary>
/// <param name="Resume">The folder holds an interrupted run of the same fingerprint and the kind is resumable.</param>
public sealed record StageRun(string Directory, bool Resume);
