using System.Globalization;
using System.Text.Json;
using Tsumugi.Common;

namespace Tsumugi.Corpus.Tasks;

/// <summary>
/// Per-task books of a job split into N independent tasks, datatrove-style, under <c>DIR/.tasks</c>:
/// <c>stats/NNNNN.json</c> (what task NNNNN did) and then <c>completions/NNNNN</c> (an empty marker, written last and
/// atomically, so a marker always has its stats). Re-submitting the same job skips the tasks that have their marker;
/// the stage after it (or the merge of the stats) waits until all N have one. <c>tasks.json</c> records N: markers of
/// a run with another task count do not describe this one's tasks.
/// </summary>
public sealed class TaskLedger
{
    public const string Folder = ".tasks";

    readonly string _root;

    public TaskLedger(string directory, int count)
    {
        if (count < 1) throw new ArgumentException($"task count {count}: must be at least 1");
        Directory = directory;
        Count = count;
        _root = Path.Combine(directory, Folder);
    }

    public string Directory { get; }
    public int Count { get; }

    public string CompletionsFolder => Path.Combine(_root, "completions");

    static string Name(int index) => index.ToString("D5", CultureInfo.InvariantCulture);

    string CompletionPath(int index) => Path.Combine(_root, "completions", Name(index));
    string StatsPath(int index) => Path.Combine(_root, "stats", Name(index) + ".json");
    string CountPath => Path.Combine(_root, "tasks.json");

    /// <summary>
    /// Registers this run's task count: the first task writes it, every later one (any node) checks it, so a job
    /// re-submitted with another N is stopped before its markers mix with the old ones.
    /// </summary>
    public void Open()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(_root, "completions"));
        System.IO.Directory.CreateDirectory(Path.Combine(_root, "stats"));
        var text = JsonSerializer.Serialize(new { tasks = Count });
        if (File.Exists(CountPath)) Check();
        else AtomicFile.WriteAllText(CountPath, text); // every task writes the same bytes: a race is harmless
    }

    /// <summary>Throws when <c>.tasks</c> holds the books of a run with another task count.</summary>
    public void Check()
    {
        if (RecordedCount(Directory) is { } recorded && recorded != Count)
            throw new InvalidOperationException($"{CountPath}: this folder was written by a {recorded}-task run, not {Count}; " +
                                                $"re-submit with {recorded} tasks (--shard i/{recorded}, --array=0-{recorded - 1}) or delete {_root} and its outputs to start over");
    }

    /// <summary>The task count the first task of a run recorded under <paramref name="directory"/>; null when none has.</summary>
    public static int? RecordedCount(string directory)
    {
        var path = Path.Combine(directory, Folder, "tasks.json");
        if (!File.Exists(path)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("tasks").GetInt32();
    }

    public bool IsDone(int index) => File.Exists(CompletionPath(index));

    /// <summary>Records task <paramref name="index"/> as finished, with its stats (JSON).</summary>
    public void MarkDone(int index, string statsJson)
    {
        if (index < 0 || index >= Count) throw new ArgumentOutOfRangeException(nameof(index), $"task {index} is not one of 0..{Count - 1}");
        Open();
        AtomicFile.WriteAllText(StatsPath(index), statsJson);
        AtomicFile.WriteAllBytes(CompletionPath(index), []);
    }

    /// <summary>The stats a finished task recorded.</summary>
    public string Stats(int index) => File.ReadAllText(StatsPath(index));

    /// <summary>Tasks without a completion marker, in order.</summary>
    public List<int> Missing() => Enumerable.Range(0, Count).Where(i => !IsDone(i)).ToList();

    public bool Complete => Missing().Count == 0;

    /// <summary>Throws, naming the missing tasks, unless all have finished (after checking the task count).</summary>
    public void RequireComplete(string what, string rerun)
    {
        Check();
        var missing = Missing();
        if (missing.Count == 0) return;
        throw new InvalidOperationException($"{what} is not complete: {missing.Count} of {Count} tasks have no completion marker in {CompletionsFolder}: " +
                                            $"{Describe(missing)}; {rerun}");
    }

    /// <summary>"3, 5, 7–12": a short list of task numbers.</summary>
    public static string Describe(IReadOnlyList<int> tasks)
    {
        var parts = new List<string>();
        for (int i = 0; i < tasks.Count;)
        {
            int j = i;
            while (j + 1 < tasks.Count && tasks[j + 1] == tasks[j] + 1) j++;
            parts.Add(j > i + 1 ? $"{tasks[i]}–{tasks[j]}" : j == i + 1 ? $"{tasks[i]}, {tasks[j]}" : $"{tasks[i]}");
            i = j + 1;
        }
        return "task " + string.Join(", ", parts);
    }
}
