using Tsumugi.Orchestration;

namespace Tsumugi.Orchestration.Tests;

/// <summary>
/// Stage kinds for engine tests: "concat" writes out.txt = its text key + the out.txt of the stages/files in its
/// input list; "counter" counts steps into progress.txt and can be made to throw at a step (an interruption), and is
/// resumable. Every run is logged, so tests see exactly which stages ran and how.
/// </summary>
sealed class FakeKinds
{
    public List<string> Runs { get; } = [];
    /// <summary>counter stops with an exception when it reaches this step (once), as a killed trainer would.</summary>
    public int? FailAtStep { get; set; }

    public IReadOnlyDictionary<string, IStageKind> All => new Dictionary<string, IStageKind>
    {
        ["concat"] = new Concat(this),
        ["counter"] = new Counter(this),
    };

    sealed class Concat(FakeKinds log) : IStageKind
    {
        public string Name => "concat";
        public string Help => "";

        public StagePlan Prepare(StageContext c)
        {
            var text = c.Settings.String("text") ?? "";
            var inputs = c.Settings.Has("input") ? c.Inputs("input", "inputs") : [];
            return new StagePlan
            {
                Run = run =>
                {
                    log.Runs.Add(c.Stage.Name);
                    var parts = inputs.Select(i => File.ReadAllText(Directory.Exists(i) ? Path.Combine(i, "out.txt") : i)).Prepend(text);
                    File.WriteAllText(Path.Combine(run.Directory, "out.txt"), string.Join("+", parts));
                    return $"wrote {text}";
                },
                Work = () => new StageWork(text.Length + 1, "chars"),
            };
        }
    }

    sealed class Counter(FakeKinds log) : IStageKind
    {
        public string Name => "counter";
        public string Help => "";
        public bool Resumable => true;

        public StagePlan Prepare(StageContext c)
        {
            var steps = c.Settings.Int("steps", 5);
            return new StagePlan
            {
                Product = "model",
                Run = run =>
                {
                    log.Runs.Add($"{c.Stage.Name}{(run.Resume ? " (resume)" : "")}");
                    var progress = Path.Combine(run.Directory, "progress.txt");
                    int start = run.Resume && File.Exists(progress) ? int.Parse(File.ReadAllText(progress)) : 0;
                    for (int step = start + 1; step <= steps; step++)
                    {
                        if (step == log.FailAtStep) { log.FailAtStep = null; throw new IOException($"interrupted at step {step}"); }
                        File.WriteAllText(progress, step.ToString());
                    }
                    Directory.CreateDirectory(Path.Combine(run.Directory, "model"));
                    File.WriteAllText(Path.Combine(run.Directory, "model", "out.txt"), $"trained {steps} from {start}");
                    return $"{steps} steps";
                },
            };
        }
    }
}
