using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Tsumugi.Training.Tests.Metrics;

/// <summary>Runs <see cref="EventFileReaderScript"/> with the machine's <c>node</c> and parses its JSON.</summary>
internal static class NodeEventFileReader
{
    private static readonly Lazy<string> ScriptPath = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"tsumugi-read-tfevents-{Environment.ProcessId}.js");
        File.WriteAllText(path, EventFileReaderScript.Source);
        return path;
    });

    public static IReadOnlyList<DecodedEvent> Read(string eventFilePath)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ScriptPath.Value);
        start.ArgumentList.Add(eventFilePath);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("`node` was not found; run scripts/install-test-deps.sh", e);
        }
        using (process)
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidDataException($"node reader rejected {eventFilePath}: {stderr.Result.Trim()}");
            return Parse(stdout);
        }
    }

    private static IReadOnlyList<DecodedEvent> Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("events").EnumerateArray().Select(e => new DecodedEvent(
            Number(e.GetProperty("wall_time")),
            long.Parse(e.GetProperty("step").GetString()!, CultureInfo.InvariantCulture),
            e.GetProperty("file_version").GetString(),
            e.GetProperty("values").EnumerateArray()
                .Select(v => new DecodedScalar(v.GetProperty("tag").GetString()!, Number(v.GetProperty("simple_value"))))
                .ToList())).ToList();
    }

    private static double Number(JsonElement element) => element.ValueKind == JsonValueKind.String
        ? double.Parse(element.GetString()!, CultureInfo.InvariantCulture)
        : element.GetDouble();
}
