namespace Tsumugi.Modeling.Tests.Checkpoints;

/// <summary>Checkpoint tests run on their own, not beside other test classes: they reseed torch's global RNG and
/// allocate tens of MB, which would disturb other tests' seeded values and process-wide memory checks (MemoryTests).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CheckpointTestCollection
{
    public const string Name = "Checkpoints";
}
