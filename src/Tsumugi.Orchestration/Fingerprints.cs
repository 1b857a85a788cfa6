using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Orchestration;

/// <summary>
/// A stage's fingerprint: SHA-256 over its kind, its keys (canonical form), the fingerprints of the stages it reads
/// and a digest of every file it reads from outside the pipeline. Paths enter relative to the pipeline file's folder
/// or the output folder, so a moved checkout or a renamed output does not by itself rerun anything.
/// </summary>
public static class Fingerprints
{
    /// <summary>Files up to this size are hashed by content; larger ones (and files inside input folders) by size and mtime.</summary>
    const long ContentHashLimit = 4 << 20;

    public static string Of(StageSpec stage, IEnumerable<PreparedStage> upstream, IEnumerable<string> files, string pipelineDirectory, string output)
    {
        var text = new StringBuilder();
        text.Append("kind ").Append(stage.Kind).Append('\n');
        text.Append("keys ").Append(Canonical(stage.Node)).Append('\n');
        foreach (var u in upstream.OrderBy(u => u.Name, StringComparer.Ordinal))
            text.Append("stage ").Append(u.Name).Append(' ').Append(u.Fingerprint).Append('\n');
        foreach (var file in files.Distinct().Order(StringComparer.Ordinal))
            text.Append("file ").Append(Relative(file, pipelineDirectory, output)).Append(' ').Append(Digest(file)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>A YAML node as compact JSON-like text: keys in file order, comments and layout ignored.</summary>
    public static string Canonical(YamlNode node) => node switch
    {
        YamlMappingNode m => "{" + string.Join(",", m.Children.Select(kv => $"{Canonical(kv.Key)}:{Canonical(kv.Value)}")) + "}",
        YamlSequenceNode s => "[" + string.Join(",", s.Children.Select(Canonical)) + "]",
        YamlScalarNode { Value: var v } => System.Text.Json.JsonSerializer.Serialize(v ?? ""),
        _ => "?",
    };

    static string Relative(string path, string pipelineDirectory, string output) =>
        path.StartsWith(output + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? "$OUTPUT/" + Path.GetRelativePath(output, path)
        : Path.GetRelativePath(pipelineDirectory, path);

    static string Digest(string path)
    {
        if (File.Exists(path))
        {
            var info = new FileInfo(path);
            if (info.Length <= ContentHashLimit) return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))[..16];
            return Stamp(info);
        }
        if (!Directory.Exists(path)) return "missing";
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            sha.AppendData(Encoding.UTF8.GetBytes($"{Path.GetRelativePath(path, file)} {Stamp(new FileInfo(file))}\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    static string Stamp(FileInfo info) => string.Create(CultureInfo.InvariantCulture, $"{info.Length}@{info.LastWriteTimeUtc.Ticks}");
}
