using System.Text.Json;
using Tsumugi.Common;

namespace Tsumugi.Orchestration;

/// <summary>
/// The last measured rate of each stage kind on this machine (work per second and bytes written per unit of work),
/// kept in a small JSON file so `pipeline plan` can estimate a new pipeline's stages from earlier runs of any pipeline.
/// </summary>
public sealed class ThroughputLog(string path)
{
    public sealed record Rate(double Work, string Unit, double Seconds, long Bytes)
    {
        public double PerSecond => Seconds > 0 ? Work / Seconds : double.PositiveInfinity;
        public double BytesPerWork => Work > 0 ? Bytes / Work : 0;
    }

    /// <summary>$XDG_CACHE_HOME/tsumugi/pipeline-rates.json (~/.cache when unset).</summary>
    public static string DefaultPath()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return System.IO.Path.Combine(cache, "tsumugi", "pipeline-rates.json");
    }

    public string Path { get; } = path;

    public Dictionary<string, Rate> Read()
    {
        try { return File.Exists(Path) ? JsonSerializer.Deserialize<Dictionary<string, Rate>>(File.ReadAllText(Path)) ?? [] : []; }
        catch (JsonException) { return []; } // a cache: unreadable means empty
    }

    public Rate? Find(string kind, string unit) => Read().GetValueOrDefault(Key(kind, unit));

    /// <summary>The last run of <paramref name="kind"/> in any unit (kinds keep one unit, so at most one).</summary>
    public Rate? FindAny(string kind) => Read().Where(p => p.Key.StartsWith(kind + "/", StringComparison.Ordinal)).Select(p => p.Value).FirstOrDefault();

    public void Record(string kind, StageWork work, double seconds, long bytes)
    {
        if (seconds <= 0 || work.Amount <= 0) return;
        try
        {
            var rates = Read();
            rates[Key(kind, work.Unit)] = new Rate(work.Amount, work.Unit, seconds, bytes);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            AtomicFile.WriteAllText(Path, JsonSerializer.Serialize(rates));
        }
        catch (IOException) { } // estimates only: a read-only home must not fail a pipeline
        catch (UnauthorizedAccessException) { }
    }

    static string Key(string kind, string unit) => $"{kind}/{unit}";
}
