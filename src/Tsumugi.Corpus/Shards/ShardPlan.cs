using System.Text.Json;

namespace Tsumugi.Corpus.Shards;

/// <summary>
/// The deterministic split of the sorted input files into output shards (contiguous, balanced by bytes). Saved as
/// plan.json in the output folder: a resumed run must see the same plan, otherwise finished shards would not
/// correspond to the same input.
/// </summary>
public sealed class ShardPlan
{
    public List<string> Files { get; set; } = [];
    public List<long> Sizes { get; set; } = [];
    public List<List<int>> Shards { get; set; } = [];

    public static ShardPlan Create(List<string> files, long shardBytes, int minShards)
    {
        var sizes = files.Select(f => { try { return new FileInfo(f).Length; } catch (IOException) { return 0L; } }).ToList();
        long total = sizes.Sum();
        int count = (int)Math.Max(1, Math.Min(files.Count, Math.Max(Math.Ceiling(total / (double)Math.Max(1, shardBytes)), minShards)));
        var plan = new ShardPlan { Files = files, Sizes = sizes };
        double target = Math.Max(1, total) / (double)count;
        long done = 0;
        var current = new List<int>();
        for (int i = 0; i < files.Count; i++)
        {
            current.Add(i);
            done += sizes[i];
            int remainingFiles = files.Count - i - 1;
            int remainingShards = count - plan.Shards.Count - 1;
            if ((done >= target * (plan.Shards.Count + 1) && remainingShards > 0) || remainingFiles == remainingShards && remainingShards > 0)
            {
                plan.Shards.Add(current);
                current = [];
            }
        }
        if (current.Count > 0) plan.Shards.Add(current);
        return plan;
    }

    public string ToJson() => JsonSerializer.Serialize(this, ShardPlanJson.Books);

    public static ShardPlan FromJson(string json) => JsonSerializer.Deserialize<ShardPlan>(json, ShardPlanJson.Books) ?? new ShardPlan();

    public bool SameInput(ShardPlan other) => Files.SequenceEqual(other.Files) && Shards.Count == other.Shards.Count;
}
