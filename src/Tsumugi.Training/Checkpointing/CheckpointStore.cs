using System.Globalization;
using System.Text.RegularExpressions;
using Tsumugi.Common;

namespace Tsumugi.Training.Checkpointing;

/// <summary>
/// <c>RUN_DIR/checkpoints/step-N/</c> directories, written atomically: the contents go to a hidden
/// <c>.step-N.partial</c> directory, every file and directory is fsynced, then one rename publishes it and the parent
/// is synced. A crash or a full disk at any point leaves either the complete new checkpoint or none — never a
/// half-written one that <see cref="Latest"/> would pick — and the previous checkpoints are untouched until the new
/// one is published. Retention keeps the newest <c>keep_last</c> plus every step that is a multiple of <c>keep_every</c>.
/// </summary>
public sealed partial class CheckpointStore
{
    /// <summary>Written last inside a checkpoint; a directory without it is not a checkpoint.</summary>
    public const string StateFile = "trainer_state.json";

    /// <summary>Test hook: milliseconds to pause after the contents are written and before publishing (kill -9 tests).</summary>
    internal static readonly int PauseBeforePublishMs =
        int.TryParse(Environment.GetEnvironmentVariable("TSUMUGI_TEST_CHECKPOINT_PAUSE_MS"), out var ms) ? ms : 0;

    private readonly int _keepLast;
    private readonly long _keepEvery;

    public CheckpointStore(string directory, int keepLast, long keepEvery)
    {
        Directory = directory;
        _keepLast = Math.Max(1, keepLast);
        _keepEvery = keepEvery;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    /// <summary>
    /// Checkpoints pruning must leave alone for now, whatever keep_last says: in <c>eval.mode: queue</c>, those the
    /// separate `eval sweep` process has not evaluated yet. Pruned by a later save once the predicate lets go.
    /// </summary>
    public Func<long, bool>? Pinned { get; set; }

    public static string NameOf(long step) => $"step-{step}";

    /// <summary>Complete checkpoints, oldest first.</summary>
    public IReadOnlyList<(long Step, string Path)> List() =>
        System.IO.Directory.EnumerateDirectories(Directory)
            .Select(d => (Match: StepName().Match(System.IO.Path.GetFileName(d)), Path: d))
            .Where(x => x.Match.Success && File.Exists(System.IO.Path.Combine(x.Path, StateFile)))
            .Select(x => (long.Parse(x.Match.Groups[1].Value, CultureInfo.InvariantCulture), x.Path))
            .OrderBy(x => x.Item1)
            .ToList();

    public (long Step, string Path)? Latest() => List() is { Count: > 0 } all ? all[^1] : null;

    /// <summary>
    /// The newest checkpoint whose files match its manifest. A corrupt one is renamed to <c>step-N.corrupt</c> (kept for
    /// inspection, never picked again) and the previous one is tried; each such finding, and a checkpoint loaded
    /// without a manifest (written before manifests existed), is added to <paramref name="notes"/>. Null when there is
    /// no checkpoint; an <see cref="InvalidDataException"/> when there are some and all are corrupt.
    /// </summary>
    public (long Step, string Path)? NewestUsable(ICollection<string> notes)
    {
        var all = List();
        var corrupt = new List<string>();
        for (var i = all.Count - 1; i >= 0; i--)
        {
            var (step, path) = all[i];
            switch (CheckpointManifest.Verify(path, out var problem))
            {
                case CheckpointManifest.Status.Verified:
                    return all[i];
                case CheckpointManifest.Status.NoManifest:
                    notes.Add($"{path} has no {CheckpointManifest.FileName} (written by an older Tsumugi), so its files cannot be verified; loading it as it is");
                    return all[i];
                default:
                    var moved = path + ".corrupt";
                    TryDelete(moved);
                    System.IO.Directory.Move(path, moved);
                    corrupt.Add($"{NameOf(step)}: {problem}");
                    notes.Add($"checkpoint {NameOf(step)} is corrupt ({problem}); moved it to {moved} and {(i > 0 ? $"trying {NameOf(all[i - 1].Step)}" : "there is no earlier checkpoint")}");
                    break;
            }
        }
        if (corrupt.Count > 0)
            throw new InvalidDataException($"{Directory}: no intact checkpoint to resume from — {string.Join("; ", corrupt)}. The corrupt directories were renamed to step-N.corrupt; start a new --output, or train from a model you trust with model.from");
        return null;
    }

    /// <summary>
    /// Writes a checkpoint for <paramref name="step"/> through <paramref name="write"/> (which fills the directory it is
    /// given and must write <see cref="StateFile"/> last). On failure nothing is published, the partial directory is
    /// removed, and the exception says which checkpoint is still the newest.
    /// </summary>
    public string Save(long step, Action<string> write)
    {
        var final = System.IO.Path.Combine(Directory, NameOf(step));
        var partial = System.IO.Path.Combine(Directory, $".{NameOf(step)}.partial");
        try
        {
            if (System.IO.Directory.Exists(partial)) System.IO.Directory.Delete(partial, recursive: true);
            System.IO.Directory.CreateDirectory(partial);
            write(partial);
            if (!File.Exists(System.IO.Path.Combine(partial, StateFile))) throw new InvalidOperationException($"checkpoint writer did not write {StateFile}");
            CheckpointManifest.Write(partial);
            FileSync.SyncTree(partial);
            if (PauseBeforePublishMs > 0) Thread.Sleep(PauseBeforePublishMs);
            Publish(partial, final);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Modeling.Checkpoints.CheckpointException)
        {
            TryDelete(partial);
            var newest = Latest() is { } l ? $"{NameOf(l.Step)} is still the newest checkpoint" : "there is no earlier checkpoint";
            throw new CheckpointWriteException($"checkpoint {NameOf(step)} could not be written ({e.Message}); nothing was lost: {newest}", e);
        }
        Prune();
        return final;
    }

    /// <summary>Removes partial directories a killed run left behind.</summary>
    public void CleanPartials()
    {
        foreach (var dir in System.IO.Directory.EnumerateDirectories(Directory, ".step-*")) TryDelete(dir);
    }

    private void Publish(string partial, string final)
    {
        string? old = null;
        if (System.IO.Directory.Exists(final))
        {
            // Same step saved again (e.g. the final save right after an interval save): swap, then drop the old copy.
            old = final + ".old";
            TryDelete(old);
            System.IO.Directory.Move(final, old);
        }
        System.IO.Directory.Move(partial, final);
        FileSync.SyncDirectory(Directory);
        if (old is not null) TryDelete(old);
    }

    private void Prune()
    {
        var all = List();
        for (var i = 0; i < all.Count - _keepLast; i++)
        {
            var (step, path) = all[i];
            if (_keepEvery > 0 && step % _keepEvery == 0) continue;
            if (Pinned?.Invoke(step) == true) continue;
            TryDelete(path);
        }
    }

    /// <summary>Removes a directory if it can; a leftover hidden <c>.step-*</c> one goes with the next <see cref="CleanPartials"/>.</summary>
    internal static void TryDelete(string path)
    {
        try
        {
            if (System.IO.Directory.Exists(path)) System.IO.Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover partial directory is ignored by List() and removed by the next CleanPartials().
        }
    }

    [GeneratedRegex(@"^step-(\d+)$")]
    private static partial Regex StepName();
}
