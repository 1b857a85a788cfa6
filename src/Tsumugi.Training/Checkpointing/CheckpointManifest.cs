using System.IO.Hashing;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tsumugi.Common;

namespace Tsumugi.Training.Checkpointing;

/// <summary>
/// checkpoints/step-N/manifest.json: the size and XXH3-128 hash of every other file of the checkpoint, written last
/// (after trainer_state.json, before the directory is renamed into place) and checked on <c>--resume</c> and rollback,
/// so bytes flipped on disk are found before they are trained on. XXH3 rather than SHA-256: it guards against
/// corruption, not tampering, and hashes at memory speed (docs/checkpoints.md has the measured cost).
/// Checkpoints from before manifests existed have none; they still load, with a warning.
/// </summary>
public static class CheckpointManifest
{
    public const string FileName = "manifest.json";
    public const string Algorithm = "xxh3-128";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public sealed record Entry([property: JsonPropertyName("bytes")] long Bytes, [property: JsonPropertyName("hash")] string Hash);

    public sealed record Contents
    {
        [JsonPropertyName("algorithm")] public string Algorithm { get; init; } = CheckpointManifest.Algorithm;
        [JsonPropertyName("files")] public SortedDictionary<string, Entry> Files { get; init; } = new(StringComparer.Ordinal);
    }

    /// <summary>What <see cref="Verify"/> found.</summary>
    public enum Status { Verified, NoManifest, Corrupt }

    /// <summary>Hashes every file under <paramref name="directory"/> and publishes the manifest.</summary>
    public static void Write(string directory)
    {
        var contents = new Contents();
        foreach (var file in Files(directory)) contents.Files[Relative(directory, file)] = new Entry(new FileInfo(file).Length, Hash(file));
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(contents, Json));
    }

    /// <summary>Checks the files against the manifest; <paramref name="problem"/> names the first file that differs.</summary>
    public static Status Verify(string directory, out string? problem)
    {
        problem = null;
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return Status.NoManifest;
        Contents? contents;
        try
        {
            contents = JsonSerializer.Deserialize<Contents>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            problem = $"{path} is not valid JSON ({e.Message})";
            return Status.Corrupt;
        }
        if (contents is null || contents.Algorithm != Algorithm)
        {
            problem = $"{path}: unknown hash algorithm '{contents?.Algorithm}' (expected {Algorithm})";
            return Status.Corrupt;
        }
        foreach (var (name, expected) in contents.Files)
        {
            var file = Path.Combine(directory, name);
            if (!File.Exists(file)) problem = $"{file} is missing";
            else if (new FileInfo(file).Length is var length && length != expected.Bytes) problem = $"{file} has {length:N0} bytes, the manifest {expected.Bytes:N0}";
            else if (Hash(file) is var actual && actual != expected.Hash) problem = $"{file} does not match its checksum ({Algorithm} {actual}, manifest {expected.Hash})";
            if (problem is not null) return Status.Corrupt;
        }
        var unlisted = Files(directory).Select(f => Relative(directory, f)).FirstOrDefault(f => !contents.Files.ContainsKey(f));
        if (unlisted is not null)
        {
            problem = $"{Path.Combine(directory, unlisted)} is not in {FileName}";
            return Status.Corrupt;
        }
        return Status.Verified;
    }

    private static IEnumerable<string> Files(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => Relative(directory, f) != FileName)
            .Order(StringComparer.Ordinal);

    private static string Relative(string directory, string file) => Path.GetRelativePath(directory, file).Replace('\\', '/');

    private static string Hash(string file)
    {
        var hash = new XxHash128();
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        hash.Append(stream);
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }
}
