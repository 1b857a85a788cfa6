using Tsumugi.Common.Config;

namespace Tsumugi.Orchestration.Tests;

public sealed class PipelineRunnerTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-pipeline-").FullName;
    readonly FakeKinds _kinds = new();
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Output => Path.Combine(_dir, "out");

    const string Linear = """
        name: t
        stages:
          a: {kind: concat, text: A}
          b: {kind: concat, text: B, input: [a]}
          train: {kind: counter, steps: 4}
          c: {kind: concat, text: C, input: [b, train]}
        """;

    string Write(string yaml, string name = "p.yaml")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    PipelineState Run(string file, params string[] sets) =>
        new PipelineRunner(Pipeline.Prepare(PipelineSpec.Load(file, sets), _kinds.All, Output), new Recorder()).Run();

    sealed class Recorder : IPipelineObserver;

    [Fact]
    public void ASecondRunSkipsEveryFinishedUnchangedStage()
    {
        var file = Write(Linear);
        Run(file);
        Assert.Equal(["a", "b", "train", "c"], _kinds.Runs);
        Assert.Equal("C+B+A+trained 4 from 0", File.ReadAllText(Path.Combine(Output, "c", "out.txt")));
        _kinds.Runs.Clear();
        var state = Run(file);
        Assert.Empty(_kinds.Runs);
        Assert.All(state.Stages, s => Assert.Equal(StageRecord.Done, s.State));
        Assert.Equal("4 steps", state.Find("train")!.Message);
    }

    [Fact]
    public void ChangingOneStagesKeysRerunsItAndExactlyTheStagesThatReadIt()
    {
        var file = Write(Linear);
        Run(file);
        _kinds.Runs.Clear();
        Run(file, "b.text=B2");
        Assert.Equal(["b", "c"], _kinds.Runs); // a and train do not read b
        Assert.Equal("C+B2+A+trained 4 from 0", File.ReadAllText(Path.Combine(Output, "c", "out.txt")));
    }

    [Fact]
    public void EditingAFileAStageReadsRerunsIt()
    {
        var input = Path.Combine(_dir, "input.txt");
        File.WriteAllText(input, "one");
        var file = Write("""
            stages:
              a: {kind: concat, text: A, input: [input.txt]}
              b: {kind: concat, text: B}
            """);
        Run(file);
        _kinds.Runs.Clear();
        File.WriteAllText(input, "two");
        Run(file);
        Assert.Equal(["a"], _kinds.Runs);
        Assert.Equal("A+two", File.ReadAllText(Path.Combine(Output, "a", "out.txt")));
    }

    [Fact]
    public void AnInterruptedResumableStageContinuesAndTheRestRunsOnce()
    {
        var file = Write(Linear);
        _kinds.FailAtStep = 3;
        Assert.Throws<IOException>(() => Run(file));
        var state = PipelineState.Load(Output);
        Assert.Equal(StageRecord.Failed, state.Find("train")!.State);
        Assert.Equal(StageRecord.Pending, state.Find("c")!.State);
        _kinds.Runs.Clear();
        state = Run(file);
        Assert.Equal(["train (resume)", "c"], _kinds.Runs);
        Assert.Equal("trained 4 from 2", File.ReadAllText(Path.Combine(Output, "train", "model", "out.txt")));
        Assert.Equal(1, state.Find("train")!.Resumed);
    }

    [Fact]
    public void AStageLeftRunningByAKilledProcessRestartsInAnEmptiedFolderWhenItCannotResume()
    {
        var file = Write(Linear);
        Run(file);
        // What a kill -9 during b leaves: its record says running, its folder holds a partial file.
        var state = PipelineState.Load(Output);
        state.Find("b")!.State = StageRecord.Running;
        state.Save(Output);
        File.WriteAllText(Path.Combine(Output, "b", "partial.tmp"), "half");
        _kinds.Runs.Clear();
        Run(file);
        Assert.Equal(["b", "c"], _kinds.Runs);
        Assert.False(File.Exists(Path.Combine(Output, "b", "partial.tmp")));
    }

    [Fact]
    public void EveryConfigErrorInTheFileIsReportedAtOnceWithItsLine()
    {
        var file = Write("""
            stages:
              a: {kind: concat, text: A, input: [later]}
              b: {kind: nosuch}
              c: {kind: concat, text: C, colour: red}
              later: {kind: concat, text: L}
            """);
        var e = Assert.Throws<PipelineConfigException>(() => Pipeline.Prepare(PipelineSpec.Load(file), _kinds.All, Output));
        Assert.Equal(3, e.Errors.Count);
        Assert.Contains("p.yaml:2: stages.a.input: 'later' is a stage that does not run before this one", e.Errors[0]);
        Assert.Contains("unknown kind 'nosuch'", e.Errors[1]);
        Assert.Contains("unknown key 'stages.c.colour'", e.Errors[2]);
        Assert.False(Directory.Exists(Output)); // nothing ran
    }

    [Fact]
    public void AFolderTheRunDidNotWriteIsNeverDeleted()
    {
        var file = Write(Linear);
        Directory.CreateDirectory(Path.Combine(Output, "a"));
        File.WriteAllText(Path.Combine(Output, "a", "precious.txt"), "mine");
        var e = Assert.Throws<IOException>(() => Run(file));
        Assert.Contains("was not written by this pipeline", e.Message);
        Assert.True(File.Exists(Path.Combine(Output, "a", "precious.txt")));
    }

    [Fact]
    public void DisabledStagesAreSkippedAndCannotBeRead()
    {
        var file = Write(Linear.Replace("a: {kind: concat, text: A}", "a: {kind: concat, text: A, enabled: false}"));
        var e = Assert.Throws<PipelineConfigException>(() => Run(file));
        Assert.Contains("stages.b.input: 'a' is a stage that does not run before this one (or is disabled)", e.Message);
    }

    [Fact]
    public void APathStartingWithDotSlashIsAFileEvenWhenAStageHasItsName()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "a"));
        File.WriteAllText(Path.Combine(_dir, "a", "out.txt"), "the folder");
        var file = Write("""
            stages:
              a: {kind: concat, text: A}
              b: {kind: concat, text: B, input: [./a, a]}
            """);
        Run(file);
        Assert.Equal("B+the folder+A", File.ReadAllText(Path.Combine(Output, "b", "out.txt")));
    }

    [Fact]
    public void SetOverridesAreValidatedAndNameTheStage()
    {
        var file = Write(Linear);
        Assert.Contains("no stage 'zz'", Assert.Throws<ConfigException>(() => PipelineSpec.Load(file, ["zz.text=x"])).Message);
        Assert.Contains("expected STAGE.KEY=VALUE", Assert.Throws<ConfigException>(() => PipelineSpec.Load(file, ["nonsense"])).Message);
    }

    [Fact]
    public void PlanEstimatesFromTheStagesLastRunScaledByTheWork()
    {
        var file = Write(Linear);
        var rates = new ThroughputLog(Path.Combine(_dir, "rates.json"));
        new PipelineRunner(Pipeline.Prepare(PipelineSpec.Load(file), _kinds.All, Output), new Recorder(), rates).Run();
        var state = PipelineState.Load(Output);
        var a = state.Find("a")!;
        Assert.Equal(2, a.Work); // "A" + 1
        // A changed text of 4× the work: the estimate scales the measured rate of a's own last run.
        var estimates = PipelinePlanner.Estimate(Pipeline.Prepare(PipelineSpec.Load(file, ["a.text=AAAAAAA"]), _kinds.All, Output), state, rates);
        var ea = estimates.Single(e => e.Stage.Name == "a");
        Assert.Equal(StageDecision.Rerun, ea.Decision);
        Assert.Equal(a.Seconds!.Value * 4, ea.Seconds!.Value, 6);
        Assert.Equal("this stage's last run, " + ea.Basis.Split(", ")[1], ea.Basis);
        Assert.Equal(StageDecision.Skip, estimates.Single(e => e.Stage.Name == "train").Decision);
        Assert.NotNull(rates.Find("concat", "chars")); // the machine-wide log got the measurement too
        // A fresh output: no record of its own, so the machine-wide rate of the kind is used.
        var fresh = PipelinePlanner.Estimate(Pipeline.Prepare(PipelineSpec.Load(file), _kinds.All, Path.Combine(_dir, "fresh")), new PipelineState(), rates);
        var fa = fresh.Single(e => e.Stage.Name == "a");
        Assert.Equal((StageDecision.Run, "last concat run on this machine"), (fa.Decision, fa.Basis.Split(",")[0]));
        Assert.NotNull(fa.Seconds);
        Assert.Equal("no measurement yet", fresh.Single(e => e.Stage.Name == "train").Basis); // counter stages report no work
    }

    [Fact]
    public void RerunForcesAFinishedStageAndItsReadersOnly()
    {
        var file = Write(Linear);
        Run(file);
        _kinds.Runs.Clear();
        new PipelineRunner(Pipeline.Prepare(PipelineSpec.Load(file), _kinds.All, Output), new Recorder(), rerun: ["train"]).Run();
        Assert.Equal(["train", "c"], _kinds.Runs);
        Assert.Contains("no such enabled stage", Assert.Throws<ConfigException>(() =>
            new PipelineRunner(Pipeline.Prepare(PipelineSpec.Load(file), _kinds.All, Output), new Recorder(), rerun: ["zz"]).Run()).Message);
    }

    [Fact]
    public void NamedInputsRefuseNamesThatWouldLeaveTheStageFolder()
    {
        var kinds = new Dictionary<string, IStageKind> { ["named"] = new Named() };
        var file = Write("""
            stages:
              a: {kind: named, models: {good: ., "../escape": .}}
            """);
        var e = Assert.Throws<PipelineConfigException>(() => Pipeline.Prepare(PipelineSpec.Load(file), kinds, Output));
        Assert.Contains("'../escape': use letters, digits", e.Message);
    }

    sealed class Named : IStageKind
    {
        public string Name => "named";
        public string Help => "";
        public StagePlan Prepare(StageContext c)
        {
            c.NamedInputs("models", "models");
            return new StagePlan { Run = _ => "" };
        }
    }
}
