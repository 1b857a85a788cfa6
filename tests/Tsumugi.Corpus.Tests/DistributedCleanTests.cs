using System.Collections;
using Tsumugi.Corpus.Pipeline;
using Tsumugi.Corpus.Tasks;

namespace Tsumugi.Corpus.Tests;

public class DistributedCleanTests
{
    static PipelineConfig Config(string output, TaskShard task) => new()
    {
        Inputs = [Path.Combine(RepoPaths.SharedCorpus, "ja", "debian-faq-ja")], Output = output, MinShards = 5, Workers = 1,
        ShardIndex = task.Index, ShardCount = task.Count,
    };

    [Fact]
    public void Tasks_WriteTheSameShardsAsOneProcess_AndTheLastMergesTheSummary()
    {
        using var t = new TempDirectory();
        var single = new PipelineRunner(Config(t.File("single"), TaskShard.Whole)).Run();
        for (int r = 0; r < 3; r++)
        {
            var runner = new PipelineRunner(Config(t.File("split"), new TaskShard(r, 3, "test")));
            runner.Run();
            Assert.Equal(Enumerable.Range(r + 1, 2 - r).ToList(), runner.Ledger!.Missing());
            Assert.Equal(r == 2, File.Exists(t.File($"split/{PipelineRunner.SummaryFile}")));
        }
        foreach (var f in Directory.GetFiles(t.File("single"), "*.jsonl.zst"))
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(t.File("split/" + Path.GetFileName(f))));
        var merged = RunStats.FromJson(File.ReadAllText(t.File($"split/{PipelineRunner.SummaryFile}")));
        Assert.Equal((single.DocsIn, single.DocsKept, single.CharsOut, single.ShardsDone), (merged.DocsIn, merged.DocsKept, merged.CharsOut, merged.ShardsDone));
        Assert.Equal(single.Rejected.Select(r => (r.Key, r.Value.Docs)).Order(), merged.Rejected.Select(r => (r.Key, r.Value.Docs)).Order());

        // Re-submitting a finished task redoes nothing; another task count is refused before any shard is touched.
        File.Delete(t.File($"split/{PipelineRunner.SummaryFile}")); // as if the merging task died before writing it
        var again = new PipelineRunner(Config(t.File("split"), new TaskShard(1, 3, "test"))).Run();
        Assert.Equal(0, again.ShardsDone);
        Assert.True(again.ShardsSkipped > 0);
        Assert.Equal(merged.DocsKept, RunStats.FromJson(File.ReadAllText(t.File($"split/{PipelineRunner.SummaryFile}"))).DocsKept);
        var e = Assert.Throws<InvalidOperationException>(() => new PipelineRunner(Config(t.File("split"), new TaskShard(0, 2, "test"))).Run());
        Assert.Contains("3-task run", e.Message);
    }

    [Fact]
    public void Shard_ExplicitWins_EnvReadsTheLauncher_AbsentFollowsTheLauncher()
    {
        var array = new Hashtable { ["SLURM_ARRAY_TASK_ID"] = "3", ["SLURM_ARRAY_TASK_COUNT"] = "8", ["OMPI_COMM_WORLD_RANK"] = "1", ["OMPI_COMM_WORLD_SIZE"] = "2" };
        var mpi = new Hashtable { ["OMPI_COMM_WORLD_RANK"] = "1", ["OMPI_COMM_WORLD_SIZE"] = "2" };
        Assert.Equal((1, 4), (TaskShard.Resolve("1/4", array).Index, TaskShard.Resolve("1/4", array).Count));
        Assert.Equal((3, 8), (TaskShard.Resolve("env", array).Index, TaskShard.Resolve("env", array).Count));
        Assert.Contains("Slurm", TaskShard.Resolve(null, array).Source);
        Assert.Equal((1, 2), (TaskShard.Resolve(null, mpi).Index, TaskShard.Resolve(null, mpi).Count));
        Assert.Equal(TaskShard.Whole, TaskShard.Resolve(null, new Hashtable()));
        var e = Assert.Throws<ArgumentException>(() => TaskShard.Resolve("env", new Hashtable()));
        Assert.Contains("--shard i/N", e.Message);
        Assert.Equal("task 0, 2, 5–9", TaskLedger.Describe([0, 2, 5, 6, 7, 8, 9]));
    }
}
