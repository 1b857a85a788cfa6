using System.Collections;

namespace Tsumugi.Common.Tests;

public class ClusterEnvironmentTests
{
    private static Hashtable Env(params (string Key, string Value)[] vars)
    {
        var env = new Hashtable();
        foreach (var (k, v) in vars) env[k] = v;
        return env;
    }

    [Fact]
    public void OpenMpiRanksComeFromOmpiVariables()
    {
        var c = ClusterEnvironment.Detect(Env(("OMPI_COMM_WORLD_RANK", "3"), ("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_LOCAL_RANK", "1"),
            ("OMPI_COMM_WORLD_LOCAL_SIZE", "2"), ("SLURM_PROCID", "0"), ("SLURM_STEP_NUM_TASKS", "1")));
        Assert.Equal((3, 4, 1, 2), (c.Rank, c.Size, c.LocalRank, c.LocalSize));
        Assert.True(c.IsDistributed);
        Assert.Contains("OpenMPI", c.Launcher);
    }

    [Fact]
    public void SlurmStepRanksNeedAStepNotJustABatchScript()
    {
        var step = ClusterEnvironment.Detect(Env(("SLURM_PROCID", "5"), ("SLURM_STEP_NUM_TASKS", "16"), ("SLURM_LOCALID", "5"), ("SLURM_NTASKS", "16")));
        Assert.Equal((5, 16, 5), (step.Rank, step.Size, step.LocalRank));
        // sbatch's own shell: SLURM_NTASKS and SLURM_PROCID=0 but no step — one process, not rank 0 of 16.
        Assert.Same(ClusterEnvironment.Single, ClusterEnvironment.Detect(Env(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "16"))));
    }

    [Fact]
    public void InconsistentRankIsAnError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ClusterEnvironment.Detect(Env(("PMI_RANK", "2"), ("PMI_SIZE", "2"))));
        Assert.Contains("PMI_RANK=2", e.Message);
    }

    [Fact]
    public void ArrayTaskWinsOverRanksAndIsZeroBased()
    {
        Assert.Equal((2, 8), ClusterEnvironment.Task(Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "8"), ("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "2"))));
        Assert.Equal((7, 8), ClusterEnvironment.Task(Env(("SLURM_ARRAY_TASK_ID", "7"), ("SLURM_ARRAY_TASK_MAX", "7"))));
        Assert.Equal((1, 2), ClusterEnvironment.Task(Env(("OMPI_COMM_WORLD_RANK", "1"), ("OMPI_COMM_WORLD_SIZE", "2"))));
        Assert.Null(ClusterEnvironment.Task(Env()));
        Assert.Throws<InvalidOperationException>(() => ClusterEnvironment.Task(Env(("SLURM_ARRAY_TASK_ID", "3"))));
    }
}
