using System.Diagnostics;
using System.Text.Json.Nodes;
using Tsumugi.Common;
using Tsumugi.Synthesis.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Gates;
using Tsumugi.Synthesis.Recipes;
using Tsumugi.Synthesis.Store;

namespace Tsumugi.Synthesis;

/// <summary>
/// Runs a synth config into an output directory, exactly once per item across any number of interrupted runs:
/// <list type="bullet">
/// <item>everything that can be wrong is checked before the first request (config, templates, keys, roles, and a
/// preflight of every endpoint);</item>
/// <item>items run concurrently, but their outcomes are committed in item order from one place — so near-duplicate
/// decisions, shard contents and record order are those of an uninterrupted sequential run, whatever the timing;</item>
/// <item>answers are cached as they arrive (<see cref="RequestCache"/>) and outcomes journaled (<see cref="RecordStore"/>),
/// so a resumed run skips finished items and replays finished requests.</item>
/// </list>
/// An item whose request fails for good is counted as failed and left for the next <c>--resume</c>; one the endpoint
/// refuses as it is (400, 413, 422) is rejected with the endpoint's reason; an endpoint that refuses the key, model or
/// URL (401, 403, 404) stops the run, since every other request would fail the same way.
/// </summary>
public sealed class SynthRunner(SynthConfig config, string outputDirectory)
{
    public const string ConfigCopy = "synth.yaml";
    public const string StatsFile = "stats.json";
    static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(5);

    /// <summary>Refuses an output directory that already holds a run unless resuming, and a resume under another recipe.</summary>
    public void CheckOutput(bool resume, Action<string> warn)
    {
        var copy = Path.Combine(outputDirectory, ConfigCopy);
        if (!File.Exists(copy))
        {
            if (Directory.Exists(outputDirectory) && Directory.EnumerateFileSystemEntries(outputDirectory).Any())
                throw new IOException($"{outputDirectory} is not empty and holds no synth run; choose a new --output directory.");
            return;
        }
        if (!resume) throw new IOException($"{outputDirectory} already holds a synth run; pass --resume to continue it, or choose a new --output directory.");
        var earlier = File.ReadAllText(copy);
        if (earlier == config.Text) return;
        var recipeLine = earlier.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("recipe:", StringComparison.Ordinal))?.Split(':', 2)[1].Split('#')[0].Trim();
        if (recipeLine is not null && recipeLine != config.Recipe.Name)
            throw new InvalidOperationException($"{outputDirectory} holds a '{recipeLine}' run; --resume needs the same recipe (the config says '{config.Recipe.Name}').");
        warn($"the config differs from the one {outputDirectory} was started with; finished items are kept as they are, the rest use the new settings.");
    }

    /// <summary>Every role the run asks has an endpoint, and every endpoint answers (what <c>--check</c> stops after).</summary>
    public async Task CheckEndpointsAsync(CancellationToken cancellationToken)
    {
        using var pool = await OpenAsync(cancellationToken).ConfigureAwait(false);
    }

    async Task<EndpointPool> OpenAsync(CancellationToken cancellationToken)
    {
        var pool = new EndpointPool(config.Endpoints);
        try
        {
            foreach (var role in config.Roles) pool.RequireRole(role);
            await pool.CheckAllAsync(cancellationToken).ConfigureAwait(false);
            return pool;
        }
        catch
        {
            pool.Dispose();
            throw;
        }
    }

    public async Task<SynthOutcome> RunAsync(IProgress<SynthProgress>? progress, CancellationToken cancellationToken)
    {
        using var pool = await OpenAsync(cancellationToken).ConfigureAwait(false);

        Directory.CreateDirectory(outputDirectory);
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, ConfigCopy), config.Text);
        using var store = new RecordStore(outputDirectory, config.ShardRecords);
        using var cache = new RequestCache(Path.Combine(outputDirectory, "state", "requests.jsonl"));
        var duplicates = config.Gates.Duplicates;
        if (duplicates is not null) Index(duplicates, store);

        var items = config.Recipe.Items(config.Inputs).ToList();
        var todo = items.Where(i => !store.DoneKeys.Contains(i.Key)).ToList();
        int doneBefore = items.Count - todo.Count;
        var context = new RecipeContext(pool, cache, config.Seed);
        var clock = Stopwatch.StartNew();
        var statsPath = Path.Combine(outputDirectory, StatsFile);
        int runIndex = SynthStats.RunCount(statsPath);
        var sinceStats = Stopwatch.StartNew();
        SynthOutcome Outcome(OrderedCommits c, bool cancelled) => new(config.Recipe.Name, items.Count, doneBefore, c.Accepted, c.Rejected, c.Failed, c.RejectedBy(),
            context.Replayed, c.Failures(), pool.Tallies.ToDictionary(t => t.Settings.Name, t => t.Tally.Snapshot()), clock.Elapsed.TotalSeconds, cancelled);

        // After every commit: the progress bar, and every few seconds stats.json (what a run killed with -9 leaves).
        var commits = new OrderedCommits(store, config.Gates.Duplicates, c =>
        {
            progress?.Report(new SynthProgress(doneBefore + c.Accepted + c.Rejected + c.Failed, items.Count, c.Accepted, c.Rejected, c.Failed,
                pool.Tallies.Sum(t => t.Tally.Snapshot().CompletionTokens), clock.Elapsed));
            if (sinceStats.Elapsed < StatsInterval) return;
            SynthStats.Write(statsPath, runIndex, Outcome(c, cancelled: false), finished: false);
            sinceStats.Restart();
        });

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        EndpointException? fatal = null;
        bool cancelled = false;
        try
        {
            int workers = config.Concurrency ?? Math.Max(1, pool.Capacity("generate"));
            await Parallel.ForEachAsync(Enumerable.Range(0, todo.Count), new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = stop.Token },
                async (position, ct) =>
                {
                    var item = todo[position];
                    try
                    {
                        var result = await config.Recipe.RunAsync(item, context, ct).ConfigureAwait(false);
                        var rejection = result.Rejection ?? config.Gates.Check(result.Generated, item.Key)
                            ?? await JudgeGate(result, context, ct).ConfigureAwait(false);
                        commits.Finish(position, result.Record, rejection);
                    }
                    catch (EndpointException e) when (e.Status is 400 or 413 or 422)
                    {
                        // The endpoint refuses this request as it is (too long a prompt, a content filter): asking again
                        // cannot help, so the item is rejected with the endpoint's reason rather than retried on every --resume.
                        commits.Finish(position, SynthRecords.Refused(config.Recipe.Name, item), $"endpoint: {e.Message}");
                    }
                    catch (EndpointException e) when (e.Status is not (401 or 403 or 404))
                    {
                        commits.Fail(position, $"{item.Key}: {e.Message}");
                    }
                    catch (EndpointException e)
                    {
                        Interlocked.CompareExchange(ref fatal, e, null);
                        await stop.CancelAsync().ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cancelled = fatal is null; // Ctrl-C: what is committed stays, the rest waits for --resume
        }
        finally
        {
            store.Seal();
        }
        var outcome = Outcome(commits, cancelled);
        SynthStats.Write(statsPath, runIndex, outcome, finished: true);
        if (fatal is not null) throw fatal;
        return outcome;
    }

    async Task<string?> JudgeGate(ItemResult result, RecipeContext context, CancellationToken ct)
    {
        if (config.Gates.Judge is not { } judge) return null;
        var score = await judge.ScoreAsync(result.Instruction, result.Answer, context, "gate_judge", ct).ConfigureAwait(false);
        result.Record["meta"]!["judge_score"] = score;
        if (score is null) return "judge: the judge gave no [[score]]";
        return score < config.Gates.MinJudgeScore ? $"judge: score {score} < min_score {config.Gates.MinJudgeScore}" : null;
    }

    /// <summary>Seeds (when checked against) and the accepted records of earlier runs, in their order.</summary>
    void Index(NearDuplicates duplicates, RecordStore store)
    {
        if (duplicates.AgainstSeeds)
        {
            var prompts = config.Recipe.SeedPrompts(config.Inputs).ToList();
            for (int i = 0; i < prompts.Count; i++) duplicates.FindOrAdd(prompts[i], $"seed {config.Inputs[i].Id}");
        }
        foreach (var record in store.AcceptedRecords) duplicates.FindOrAdd(OrderedCommits.PromptOf(record), RecordStore.KeyOf(record));
    }
}
