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
/// An item whose request fails for good is counted as failed and left for the next <c>--resume</c>; an endpoint that
/// refuses the key, model or URL (401, 403, 404) stops the run, since every other request would fail the same way.
/// </summary>
public sealed class SynthRunner(SynthConfig config, string outputDirectory)
{
    public const string ConfigCopy = "synth.yaml";
    public const string StatsFile = "stats.json";
    const int FailureMessagesKept = 10;
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
        var rejectedBy = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        int accepted = 0, rejected = 0, failed = 0, next = 0;
        var finished = new Dictionary<int, (JsonObject? Record, string? Rejection, string? Failure)>();
        var commitLock = new Lock();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? fatal = null;

        var statsPath = Path.Combine(outputDirectory, StatsFile);
        int runIndex = SynthStats.RunCount(statsPath);
        var sinceStats = Stopwatch.StartNew();
        SynthOutcome Outcome(bool cancelled) => new(config.Recipe.Name, items.Count, doneBefore, accepted, rejected, failed, new Dictionary<string, int>(rejectedBy),
            context.Replayed, [.. failures], pool.Tallies.ToDictionary(t => t.Settings.Name, t => t.Tally.Snapshot()), clock.Elapsed.TotalSeconds, cancelled);

        void Report() => progress?.Report(new SynthProgress(doneBefore + accepted + rejected + failed, items.Count, accepted, rejected, failed,
            pool.Tallies.Sum(t => t.Tally.Snapshot().CompletionTokens), clock.Elapsed));

        // Outcomes wait here until every earlier item has one, then are committed in item order.
        void Finish(int position, (JsonObject?, string?, string?) outcome)
        {
            lock (commitLock)
            {
                finished[position] = outcome;
                while (finished.Remove(next, out var o))
                {
                    next++;
                    if (o.Failure is not null)
                    {
                        failed++;
                        if (failures.Count < FailureMessagesKept) failures.Add(o.Failure);
                        continue;
                    }
                    var rejection = o.Rejection ?? NearDuplicate(duplicates, o.Record!);
                    store.Commit(o.Record!, rejection);
                    if (rejection is null) accepted++;
                    else
                    {
                        rejected++;
                        var gate = rejection.Split(':', 2)[0];
                        rejectedBy[gate] = rejectedBy.GetValueOrDefault(gate) + 1;
                    }
                }
                Report();
                if (sinceStats.Elapsed < StatsInterval) return;
                SynthStats.Write(statsPath, runIndex, Outcome(cancelled: false), finished: false);
                sinceStats.Restart();
            }
        }

        int workers = config.Concurrency ?? Math.Max(1, pool.Capacity("generate"));
        bool cancelled = false;
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, todo.Count), new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = stop.Token },
                async (position, ct) =>
                {
                    var item = todo[position];
                    try
                    {
                        var result = await config.Recipe.RunAsync(item, context, ct).ConfigureAwait(false);
                        var rejection = result.Rejection ?? config.Gates.Check(result.Generated, item.Key)
                            ?? await JudgeGate(result, item, context, ct).ConfigureAwait(false);
                        Finish(position, (result.Record, rejection, null));
                    }
                    catch (EndpointException e) when (e.Status is not (401 or 403 or 404))
                    {
                        Finish(position, (null, null, $"{item.Key}: {e.Message}"));
                    }
                    catch (EndpointException e)
                    {
                        fatal ??= e;
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
        var outcome = Outcome(cancelled);
        SynthStats.Write(statsPath, runIndex, outcome, finished: true);
        if (fatal is not null) throw fatal;
        return outcome;
    }

    async Task<string?> JudgeGate(ItemResult result, SynthItem item, RecipeContext context, CancellationToken ct)
    {
        if (config.Gates.Judge is not { } judge) return null;
        var score = await judge.ScoreAsync(result.Instruction, result.Answer, context, "gate_judge", ct).ConfigureAwait(false);
        result.Record["meta"]!["judge_score"] = score;
        if (score is null) return "judge: the judge gave no [[score]]";
        return score < config.Gates.MinJudgeScore ? $"judge: score {score} < min_score {config.Gates.MinJudgeScore}" : null;
    }

    /// <summary>The near-duplicate rejection of an accepted record's prompt (and adds it to the index when it is new).</summary>
    static string? NearDuplicate(NearDuplicates? duplicates, JsonObject record)
    {
        if (duplicates is null) return null;
        var owner = duplicates.FindOrAdd(PromptOf(record), RecordStore.KeyOf(record));
        return owner is null ? null : $"minhash: prompt: a near-duplicate of {owner} (MinHash {duplicates.Options.Bands}×{duplicates.Options.Rows})";
    }

    /// <summary>Seeds (when checked against) and the accepted records of earlier runs, in their order.</summary>
    void Index(NearDuplicates duplicates, RecordStore store)
    {
        if (duplicates.AgainstSeeds)
        {
            var prompts = config.Recipe.SeedPrompts(config.Inputs).ToList();
            for (int i = 0; i < prompts.Count; i++) duplicates.FindOrAdd(prompts[i], $"seed {config.Inputs[i].Id}");
        }
        foreach (var record in store.AcceptedRecords) duplicates.FindOrAdd(PromptOf(record), RecordStore.KeyOf(record));
    }

    /// <summary>The first user turn of a record (SFT messages or a pair's prompt): what near-duplicates are judged on.</summary>
    public static string PromptOf(JsonObject record)
    {
        var turns = (record["messages"] ?? record["prompt"])!.AsArray();
        return (string)turns.First(t => (string?)t!["role"] == "user")!["content"]!;
    }
}
