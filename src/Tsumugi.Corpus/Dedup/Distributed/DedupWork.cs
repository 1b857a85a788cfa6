using System.Globalization;
using System.Text.Json;
using Tsumugi.Common;
using Tsumugi.Corpus.Tasks;

namespace Tsumugi.Corpus.Dedup.Distributed;

/// <summary>
/// The work folder the distributed dedup stages share (on a file system every node sees):
/// <code>
/// settings.json                     input folder, its shard list (the keep-first order) and the MinHash settings
/// signatures/TTTTT/exact.rec        task T's exact records, sorted          signatures/.tasks/…
/// signatures/TTTTT/band-BBB.rec     task T's records of band B, sorted
/// signatures/chars/FFFFFF.chars     characters of each document of shard F (int32 per line)
/// buckets/UUUUU.rec                 unit U's records of repeated keys       buckets/.tasks/…
/// cluster/remove/FFFFFF.remove      lines of shard F to drop (int32, ascending)   cluster/.tasks/…
/// filter/.tasks/…                   the rewritten shards go to --output
/// </code>
/// </summary>
public sealed class DedupWork
{
    public const string SettingsFile = "settings.json";

    public DedupWork(string directory) => Directory = Path.GetFullPath(directory);

    public string Directory { get; }

    public string Stage(string stage) => Path.Combine(Directory, stage);
    public string SignatureFolder(int task) => Path.Combine(Stage(DedupStages.Signatures), Name5(task));
    public string ExactSignatures(int task) => Path.Combine(SignatureFolder(task), "exact.rec");
    public string BandSignatures(int task, int band) => Path.Combine(SignatureFolder(task), $"band-{band.ToString("D3", CultureInfo.InvariantCulture)}.rec");
    public string Chars(int file) => Path.Combine(Stage(DedupStages.Signatures), "chars", Name6(file) + ".chars");
    public string Bucket(int unit) => Path.Combine(Stage(DedupStages.Buckets), Name5(unit) + ".rec");
    public string RemoveList(int file) => Path.Combine(Stage(DedupStages.Cluster), "remove", Name6(file) + ".remove");

    static string Name5(int i) => i.ToString("D5", CultureInfo.InvariantCulture);
    static string Name6(int i) => i.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>The ledger of a stage, with the task count its first task recorded (for stages that read a finished one).</summary>
    public TaskLedger FinishedLedger(string stage, string rerun)
    {
        var dir = Stage(stage);
        var count = TaskLedger.RecordedCount(dir)
            ?? throw new InvalidOperationException($"dedup stage '{stage}' has not run in {Directory} (no {Path.Combine(dir, TaskLedger.Folder, "tasks.json")}); {rerun}");
        var ledger = new TaskLedger(dir, count);
        ledger.RequireComplete($"dedup stage '{stage}' in {Directory}", rerun);
        return ledger;
    }

    /// <summary>What every stage must agree on, recorded by the signatures stage.</summary>
    public sealed class Settings
    {
        public string Input { get; set; } = "";
        public List<string> Files { get; set; } = [];
        public int Bands { get; set; }
        public int Rows { get; set; }
        public int NGram { get; set; }
        public uint Seed { get; set; }
        public bool Exact { get; set; }
        public bool Near { get; set; }
        public bool KeepNewest { get; set; }

        public static Settings From(string input, List<string> files, DedupOptions o) => new()
        {
            Input = Path.GetFullPath(input), Files = files.Select(f => Path.GetRelativePath(input, f)).ToList(),
            Bands = o.MinHash.Bands, Rows = o.MinHash.Rows, NGram = o.MinHash.NGram, Seed = o.MinHash.Seed,
            Exact = o.Exact, Near = o.Near, KeepNewest = o.KeepNewest,
        };

        /// <summary>The dedup options of these settings; workers, memory and zstd level come from <paramref name="local"/>.</summary>
        public DedupOptions Options(DedupOptions local) => new()
        {
            MinHash = new MinHashOptions(Bands, Rows, NGram, Seed), Exact = Exact, Near = Near, KeepNewest = KeepNewest,
            Workers = local.Workers, MemoryBytes = local.MemoryBytes, ZstdLevel = local.ZstdLevel,
        };

        public string ToJson() => JsonSerializer.Serialize(this, CorpusJson.Options);
    }

    string SettingsPath => Path.Combine(Directory, SettingsFile);

    /// <summary>
    /// Records the settings (first signatures task) or checks them (every other task, any node): all tasks must
    /// number the same shards in the same order with the same hashes, or their records would not meet.
    /// </summary>
    public void Record(Settings settings)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var json = settings.ToJson();
        if (!File.Exists(SettingsPath)) { AtomicFile.WriteAllText(SettingsPath, json); return; }
        if (File.ReadAllText(SettingsPath) != json)
            throw new InvalidOperationException($"{SettingsPath}: this work folder holds a dedup of other input or settings " +
                                                $"(input folder, its .jsonl.zst files, bands/rows, exact/near, keep-newest differ); use a new --work folder or delete this one");
    }

    public Settings Load()
    {
        if (!File.Exists(SettingsPath))
            throw new InvalidOperationException($"{SettingsPath} not found: run 'tsumugi corpus dedup --stage signatures --work {Directory} --input DIR' first");
        return JsonSerializer.Deserialize<Settings>(File.ReadAllText(SettingsPath), CorpusJson.Options)
            ?? throw new InvalidDataException($"{SettingsPath}: empty settings; delete the work folder and start over");
    }
}

/// <summary>The four stages, in order.</summary>
public static class DedupStages
{
    public const string Signatures = "signatures";
    public const string Buckets = "buckets";
    public const string Cluster = "cluster";
    public const string Filter = "filter";

    public static readonly string[] All = [Signatures, Buckets, Cluster, Filter];
}
