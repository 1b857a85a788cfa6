using Tsumugi.Common;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>
/// One <c>data tokenize</c> run's life in its output folder, recorded in manifest.json so that a folder a run did not
/// finish is never taken for a whole one (<see cref="DatasetCompleteness"/>):
/// <see cref="Start"/> clears what killed runs left, then registers this run (the folder is now incomplete);
/// <see cref="Plan"/> names the datasets it will write; <see cref="Published"/> records each one as it lands;
/// <see cref="Finish"/> removes the run's record, which marks the folder complete when no other run is writing there.
/// <para>
/// A run is alive while it holds the lock file in its work folder <c>.tokenize-ID</c> (an exclusive open: flock on
/// Unix, released by the kernel when the process dies, however it dies). Everything above happens under the manifest
/// lock, so a rerun cannot mistake a run that is just starting for a dead one.
/// </para>
/// </summary>
internal sealed class TokenizeRun : IDisposable
{
    const string FolderPrefix = ".tokenize-";
    const string LockFile = "run.lock";

    readonly string _output;
    readonly FileStream _lock;

    TokenizeRun(string output, string id, FileStream runLock)
    {
        _output = output;
        Id = id;
        _lock = runLock;
    }

    public string Id { get; }

    /// <summary>Where the run writes its per-shard datasets before merging them (deleted on dispose).</summary>
    public string WorkDirectory => Path.Combine(_output, FolderPrefix + Id);

    /// <summary>Temporaries and work folders of killed runs deleted by <see cref="Start"/> (for the run's report).</summary>
    public int LeftoversRemoved { get; private set; }

    /// <summary>Clears what dead runs left in <paramref name="output"/> and registers a new run that <paramref name="command"/> repeats.</summary>
    public static TokenizeRun Start(string output, string command)
    {
        TokenizeRun? run = null;
        DatasetManifest.Update(output, manifest =>
        {
            var removed = ClearDeadRuns(output, manifest);
            var id = Guid.NewGuid().ToString("N")[..12];
            var work = Directory.CreateDirectory(Path.Combine(output, FolderPrefix + id)).FullName;
            run = new TokenizeRun(output, id, TryLock(work) ?? throw new IOException($"{work}: cannot lock the new work folder"))
            {
                LeftoversRemoved = removed,
            };
            (manifest.RunsInProgress ??= []).Add(new TokenizeRunRecord { Id = id, Command = command });
        });
        return run!;
    }

    /// <summary>Records the datasets this run will publish: until each is, training names it as missing.</summary>
    public void Plan(IReadOnlyList<string> names) =>
        DatasetManifest.Update(_output, manifest => Record(manifest).Pending = [.. names]);

    /// <summary>Records a published dataset: its manifest entry, and one name less to wait for.</summary>
    public void Published(DatasetManifestEntry entry) =>
        DatasetManifest.Update(_output, manifest =>
        {
            manifest.Put(entry);
            Record(manifest).Pending?.Remove(entry.Name);
        });

    /// <summary>The run's last write: its record goes, and the folder is marked complete unless another run is writing.</summary>
    public void Finish() => DatasetManifest.Update(_output, manifest => manifest.RunsInProgress?.RemoveAll(r => r.Id == Id));

    TokenizeRunRecord Record(DatasetManifest manifest)
    {
        var record = manifest.RunsInProgress?.Find(r => r.Id == Id);
        if (record is null) throw new InvalidOperationException($"{Path.Combine(_output, DatasetManifest.FileName)}: the record of run {Id} was removed while it ran; was the manifest rewritten by hand?");
        return record;
    }

    /// <summary>
    /// Deletes the work folders of runs that no longer hold their lock, their records, and the temporaries they left
    /// beside the datasets (<c>NAME.bin.RANDOM.tmp</c>, …): every such temporary when no run is alive, else only those
    /// of the datasets the dead runs were writing. Returns how many entries were deleted.
    /// </summary>
    static int ClearDeadRuns(string output, DatasetManifest manifest)
    {
        var removed = 0;
        var alive = new HashSet<string>(StringComparer.Ordinal);
        foreach (var work in Directory.EnumerateDirectories(output, FolderPrefix + "*"))
        {
            var id = Path.GetFileName(work)[FolderPrefix.Length..];
            var probe = TryLock(work);
            if (probe is null)
            {
                alive.Add(id);
                continue;
            }
            probe.Dispose();
            Directory.Delete(work, recursive: true);
            removed++;
        }
        var dead = manifest.RunsInProgress?.Where(r => !alive.Contains(r.Id)).ToList() ?? [];
        manifest.RunsInProgress?.RemoveAll(r => !alive.Contains(r.Id));
        var deadNames = dead.SelectMany(r => r.Pending ?? []).ToHashSet(StringComparer.Ordinal);
        foreach (var (temporary, path) in AtomicFile.Leftovers(output))
        {
            if (Path.GetDirectoryName(temporary) != output) continue; // inside a live run's work folder
            var name = Path.GetFileName(path);
            var dataset = name.EndsWith(".bin", StringComparison.Ordinal) || name.EndsWith(".idx", StringComparison.Ordinal) ? name[..^4] : null;
            // The manifest's own temporaries are written under the lock held now, so any that exists is a leftover.
            var ours = name == DatasetManifest.FileName || (dataset is not null && (alive.Count == 0 || deadNames.Contains(dataset)));
            if (!ours) continue;
            File.Delete(temporary);
            removed++;
        }
        return removed;
    }

    /// <summary>The work folder's lock, or null when another process (a live run) holds it.</summary>
    static FileStream? TryLock(string work)
    {
        try
        {
            return new FileStream(Path.Combine(work, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _lock.Dispose();
        try { Directory.Delete(WorkDirectory, recursive: true); }
        catch (IOException) { /* a rerun deletes it: the lock is released */ }
    }
}
