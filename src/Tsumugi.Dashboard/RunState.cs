using System.Text.Json;

namespace Tsumugi.Dashboard;

/// <summary>
/// A run's state as the list shows it, judged from its files alone: "finished" when events.jsonl's last lifecycle
/// event is finished; "failed" when it is diverged or stopped (the run ended without its model); "running" when the
/// trainer's train.lock is there, or the run wrote in the last <see cref="RecentWrite"/>; otherwise "unknown" (e.g. a
/// process killed mid-run: nothing on disk tells it from a very slow step).
/// </summary>
public static class RunState
{
    public static readonly TimeSpan RecentWrite = TimeSpan.FromMinutes(2);

    /// <summary>A train.lock older than this while nothing is written is taken as left behind by a killed trainer.</summary>
    public static readonly TimeSpan StaleLock = TimeSpan.FromMinutes(30);

    public static string Judge(IReadOnlyList<byte[]> events, DateTime updatedUtc, bool locked, DateTime nowUtc)
    {
        string? last = null;
        foreach (var line in events)
        {
            var name = EventName(line);
            if (name is "start" or "resume" or "finished" or "diverged" or "stopped") last = name;
        }
        var idle = nowUtc - updatedUtc;
        return last switch
        {
            "finished" => "finished",
            "diverged" or "stopped" => "failed",
            _ when locked && idle < StaleLock => "running",
            _ when idle < RecentWrite => "running",
            _ => "unknown",
        };
    }

    static string? EventName(byte[] line)
    {
        var reader = new Utf8JsonReader(line);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isEvent = reader.ValueTextEquals("event"u8);
                reader.Read();
                if (isEvent) return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (JsonException) { } // lines were validated when read; a surprise here just means "no name"
        return null;
    }
}
