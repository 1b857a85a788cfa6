using Tsumugi.Training.Checkpointing;
using Tsumugi.Training.Loop;
using Tsumugi.Training.Tests.Support;
using Xunit.Abstractions;

namespace Tsumugi.Training.Tests.Training;

/// <summary>
/// The acceptance tests of data parallelism on real <c>mpirun</c> jobs (2 ranks × 1 thread fit a 2-core machine): the
/// same global batch gives the same loss curve on 1 and 2 ranks and with ZeRO-1; a ZeRO-1 checkpoint resumes on 1 and
/// 2 ranks; a killed rank ends the job with nothing corrupt; ranks that disagree stop before step 1.
/// </summary>
public class DistributedTrainingTests(ITestOutputHelper output)
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    /// <summary>fp32 round-off: the ranks' gradient sums are added in another order than one process's micro-batches.</summary>
    const double Tolerance = 1e-5;

    static string[] Overrides(string data, int steps, params string[] more) =>
        [.. TinyRuns.Overrides(data), $"train.max_steps={steps}", "train.threads=1", "eval.interval=0", "log.tensorboard=false", .. more];

    static List<string> Train(string run, IEnumerable<string> overrides, bool resume = false) => CrashRecoveryTests.Train(run, overrides, resume).ToList();

    static void Succeeds(TsumugiProcess p) => Assert.True(p.WaitForExit(Limit) == 0, p.Output);

    static double[] Losses(string run) => JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl")).Select(l => l["loss"]!.GetValue<double>()).ToArray();

    static List<Dictionary<string, double>> DomainLosses(string run) => JsonLinesLog.Read(Path.Combine(run, "metrics.jsonl"))
        .Select(l => l["domain_loss"]?.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>()) ?? []).ToList();

    /// <summary>The largest relative difference between two loss curves of equal length.</summary>
    static double MaxRelativeDifference(string expectedRun, string actualRun)
    {
        double[] expected = Losses(expectedRun), actual = Losses(actualRun);
        Assert.Equal(expected.Length, actual.Length);
        return expected.Zip(actual, (e, a) => Math.Abs(e - a) / Math.Abs(e)).Max();
    }

    [Fact]
    public void TwoRanksFollowOneAndZeroOneFollowsPlainDataParallelismOver50Steps()
    {
        using var temp = new TempDirectory();
        SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        SyntheticDatasets.Noise(temp.File("data"), documents: 100); // a second domain: per-domain losses must add up across ranks too
        var overrides = Overrides(temp.File("data"), 50, "checkpoint.interval=0");
        using (var one = TsumugiProcess.StartMpi(1, Train(temp.File("np1"), overrides))) Succeeds(one);
        using (var two = TsumugiProcess.StartMpi(2, Train(temp.File("np2"), overrides))) Succeeds(two);
        using (var zero = TsumugiProcess.StartMpi(2, Train(temp.File("zero1"), [.. overrides, "parallel.zero=1", "parallel.bucket_mb=0.01"]))) Succeeds(zero);
        var twoRanks = MaxRelativeDifference(temp.File("np1"), temp.File("np2"));
        var zeroOne = MaxRelativeDifference(temp.File("np2"), temp.File("zero1"));
        output.WriteLine($"max relative loss difference over 50 steps: -np 2 vs -np 1 {twoRanks:E2}; ZeRO-1 vs plain data parallelism {zeroOne:E2}");
        Assert.InRange(twoRanks, 0, Tolerance);
        Assert.InRange(zeroOne, 0, Tolerance);
        Assert.True(Losses(temp.File("np2"))[^1] < Losses(temp.File("np2"))[0] - 1, "the loss falls"); // the runs trained, not just agreed
        var (oneDomains, twoDomains) = (DomainLosses(temp.File("np1")), DomainLosses(temp.File("np2")));
        Assert.Equal(["ja", "noise"], twoDomains.SelectMany(step => step.Keys).Distinct().Order());
        Assert.Equal(oneDomains.Select(step => step.Keys.Order()), twoDomains.Select(step => step.Keys.Order()));
        foreach (var (one, two) in oneDomains.Zip(twoDomains))
            foreach (var (domain, loss) in one) Assert.InRange(Math.Abs(loss - two[domain]) / loss, 0, Tolerance);
        // Rank 0 writes the run; the other rank keeps only its own events, and every step logged its communication time.
        Assert.True(File.Exists(Path.Combine(temp.File("np2"), "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(temp.File("np2"), "ranks", "rank-00001", "events.jsonl")));
        Assert.All(JsonLinesLog.Read(Path.Combine(temp.File("zero1"), "metrics.jsonl")), l => Assert.True(l["comm_s"]!.GetValue<double>() > 0));
        Assert.Contains("ranks      2 ranks, each 4 rows", File.ReadAllText(Path.Combine(temp.File("np2"), "plan.txt")));
    }

    [Fact]
    public void AZeroOneCheckpointOfTwoRanksResumesOnOneAndOnTwoRanksOnTheSameCurve()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var overrides = Overrides(data, 24, "checkpoint.interval=8", "parallel.zero=1", "parallel.bucket_mb=0.01");
        var full = temp.File("full");
        using (var run = TsumugiProcess.StartMpi(2, Train(full, overrides))) Succeeds(run);
        var step16 = Path.Combine(full, "checkpoints", "step-16");
        Assert.Equal(["optimizer-rank-00000-of-00002.safetensors", "optimizer-rank-00001-of-00002.safetensors"],
            Directory.GetFiles(step16, "optimizer*").Select(Path.GetFileName).Order());

        foreach (var (name, ranks, extra) in new[] { ("on1", 1, "parallel.zero=1"), ("on2", 2, "parallel.zero=1"), ("on2-plain", 2, "parallel.zero=0") })
        {
            // The run as it was at step 16: the newest checkpoint is step-16 (its metrics.jsonl copy rewinds the log).
            var copy = temp.File(name);
            CopyDirectory(full, copy);
            Directory.Delete(Path.Combine(copy, "checkpoints", "step-24"), recursive: true);
            Directory.Delete(Path.Combine(copy, "model"), recursive: true);
            using (var resumed = TsumugiProcess.StartMpi(ranks, Train(copy, [.. overrides, extra], resume: true))) Succeeds(resumed);
            var difference = MaxRelativeDifference(full, copy);
            output.WriteLine($"resumed step-16 of a 2-rank ZeRO-1 run on {ranks} rank(s) ({extra}): max relative loss difference {difference:E2}");
            Assert.InRange(difference, 0, Tolerance);
        }
    }

    [Fact]
    public void Kill9OfOneRankEndsEveryRankWithinAMinuteAndTheRunResumes()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var overrides = Overrides(data, 24, "checkpoint.interval=4", "parallel.zero=1");
        var run = temp.File("run");
        var checkpoints = Path.Combine(run, "checkpoints");
        // Rank 0 holds the step-8 checkpoint open before publishing it, so the kill lands while a checkpoint is in flight.
        using (var job = TsumugiProcess.StartMpi(2, Train(run, overrides), environment: new Dictionary<string, string> { ["TSUMUGI_TEST_CHECKPOINT_PAUSE_MS"] = "1500" }))
        {
            job.WaitUntil(() => Directory.Exists(Path.Combine(checkpoints, ".step-8.partial")), Limit, "the step-8 checkpoint write");
            var ranks = job.Children();
            Assert.Equal(2, ranks.Count);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var kill = System.Diagnostics.Process.Start("kill", ["-9", ranks[^1].ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            var code = job.WaitForExit(TimeSpan.FromSeconds(60));
            var exited = clock.Elapsed.TotalSeconds;
            // mpirun may return while the surviving rank is still being killed (SIGTERM, then SIGKILL): every rank must be gone too.
            while (ranks.Any(pid => Directory.Exists($"/proc/{pid}")) && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(50);
            output.WriteLine($"kill -9 of one rank: mpirun exited {code} after {exited:0.0} s, every rank was gone after {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.NotEqual(0, code);
            Assert.DoesNotContain(ranks, pid => Directory.Exists($"/proc/{pid}"));
            Assert.Matches("rank|process", job.Output); // mpirun names the process that died
        }
        // Whatever was published is complete (every rank's shard, files matching the manifest); the rest was a partial.
        foreach (var step in Directory.GetDirectories(checkpoints, "step-*"))
        {
            Assert.Equal(CheckpointManifest.Status.Verified, CheckpointManifest.Verify(step, out var problem));
            Assert.Equal(2, Directory.GetFiles(step, "optimizer-rank-*").Length);
        }
        using (var resumed = TsumugiProcess.StartMpi(2, Train(run, overrides, resume: true))) Succeeds(resumed);
        var reference = temp.File("reference");
        using (var uninterrupted = TsumugiProcess.StartMpi(2, Train(reference, overrides))) Succeeds(uninterrupted);
        Assert.InRange(MaxRelativeDifference(reference, run), 0, Tolerance);
    }

    [Fact]
    public void AShardThatCannotBeWrittenPublishesNoCheckpointAndTheRunGoesOn()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 300);
        var run = temp.File("run");
        var checkpoints = Path.Combine(run, "checkpoints");
        Directory.CreateDirectory(checkpoints);
        File.WriteAllText(Path.Combine(checkpoints, ".step-8.shards"), "a file where the ranks' shard directory must go");
        using var job = TsumugiProcess.StartMpi(2, Train(run, Overrides(data, 24, "checkpoint.interval=8", "parallel.zero=1")));
        Assert.Equal(1, job.WaitForExit(Limit)); // finished, but a checkpoint could not be written: not a clean exit
        Assert.Contains("checkpoint step-8 could not be written: rank 0:", job.Output);
        Assert.False(Directory.Exists(Path.Combine(checkpoints, "step-8")));
        foreach (var step in new[] { "step-16", "step-24" })
            Assert.Equal(2, Directory.GetFiles(Path.Combine(checkpoints, step), "optimizer-rank-*").Length);
        Assert.True(File.Exists(Path.Combine(run, "model", "model.safetensors")));
        Assert.Contains("checkpoint_failed", File.ReadAllText(Path.Combine(run, "ranks", "rank-00001", "events.jsonl"))); // every rank knows
    }

    [Fact]
    public void RanksStartedWithDifferentConfigsStopBeforeStepOneWithOneError()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        var run = temp.File("run");
        using var job = TsumugiProcess.StartMpmd([(1, Train(run, Overrides(data, 8))), (1, Train(run, Overrides(data, 8, "optimizer.lr=0.01")))]);
        Assert.NotEqual(0, job.WaitForExit(Limit));
        Assert.Contains("error: rank 0 of 2: the ranks disagree on the config and data", job.Output);
        Assert.Contains("rank 1 differs from rank 0", job.Output);
        Assert.DoesNotContain("error: rank 1", job.Output); // the same finding is reported once
        Assert.False(File.Exists(Path.Combine(run, "metrics.jsonl")) && new FileInfo(Path.Combine(run, "metrics.jsonl")).Length > 0);
    }

    [Fact]
    public void AMissingMpiLibraryIsAClearErrorWhenRanksAreAsked()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        var environment = new Dictionary<string, string>
        {
            ["OMPI_COMM_WORLD_RANK"] = "0", ["OMPI_COMM_WORLD_SIZE"] = "2", ["TSUMUGI_MPI_LIBRARY"] = "libmpi-not-installed.so.40",
        };
        using var process = TsumugiProcess.Start(Train(temp.File("run"), Overrides(data, 4)), environment);
        Assert.Equal(1, process.WaitForExit(Limit));
        Assert.Contains("started 2 ranks but libmpi-not-installed.so.40 (OpenMPI) cannot be loaded", process.Output);
        Assert.Contains("apt install openmpi-bin", process.Output);
    }

    [Fact]
    public void DriversOfSeveralTrainersRefuseToRunAsRanks()
    {
        using var temp = new TempDirectory();
        var ranks = new Dictionary<string, string> { ["OMPI_COMM_WORLD_RANK"] = "0", ["OMPI_COMM_WORLD_SIZE"] = "2" };
        using var btm = TsumugiProcess.Start(["btm", "--config", Path.Combine(RepoPaths.Configs, "btm-tiny.yaml"), "--output", temp.File("btm")], ranks);
        Assert.Equal(1, btm.WaitForExit(Limit));
        Assert.Contains("`tsumugi btm` runs in one process, but mpirun (OpenMPI) started 2 ranks", btm.Output);
        Assert.False(Directory.Exists(temp.File("btm")));
    }

    [Fact]
    public void PlanForNRanksShowsEachRanksShareAndItsMemoryWithAndWithoutZeroOne()
    {
        using var temp = new TempDirectory();
        var data = SyntheticDatasets.Counting(temp.File("data"), documents: 100);
        string[] plan = ["train", "plan", "--config", TinyRuns.TinyConfig, "--set", $"data.path={data}", "--set", "parallel.zero=1"];
        using (var two = TsumugiProcess.Start([.. plan, "--ranks", "2"]))
        {
            Assert.True(two.WaitForExit(Limit) == 0, two.Output);
            Assert.Contains("8 rows × 128 tokens × 1 accumulation × 2 process(es) = 2,048 tokens/step", two.Output);
            Assert.Matches(@"ranks +2 ranks, each 8 rows × 1 micro-batches per step; per-rank memory .+ with plain data parallelism, .+ with ZeRO-1 \(optimizer state .+ → .+\); parallel\.zero: 1", two.Output);
        }
        using var three = TsumugiProcess.Start([.. plan, "--ranks", "3"]);
        Assert.Equal(1, three.WaitForExit(Limit));
        Assert.Contains("micro_batch_size × seq_length × processes = 8 × 128 × 3", three.Output);
    }

    static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to));
    }
}
