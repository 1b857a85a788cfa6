namespace Tsumugi.Datasets;

/// <summary>
/// Training's check on its data folders: a folder that a <c>data tokenize</c> run did not finish (killed, failed, or
/// still running) must not be trained on — the datasets present look whole, and the missing domain would silently drop
/// out of the mixture. Reads the completion markers of <see cref="DatasetManifest"/>. Folders without a manifest are
/// Megatron datasets from other tools and pass.
/// </summary>
public static class DatasetCompleteness
{
    /// <summary>
    /// Set to 1 to train on folders whose manifest.json predates the completion markers (written by an older Tsumugi)
    /// without re-running <c>data tokenize</c>. It never admits a folder whose run is recorded as unfinished.
    /// </summary>
    public const string AllowUnmarkedVariable = "TSUMUGI_ALLOW_UNMARKED_DATA";

    /// <summary>One line per folder (of the datasets at <paramref name="prefixes"/>) that must not be trained on.</summary>
    public static IReadOnlyList<string> Problems(IEnumerable<string> prefixes) =>
        prefixes.Select(p => Path.GetDirectoryName(Path.GetFullPath(p))!).Distinct(StringComparer.Ordinal)
            .Select(Problem).OfType<string>().ToList();

    /// <summary>Why the datasets in <paramref name="directory"/> must not be trained on, or null when they may.</summary>
    public static string? Problem(string directory)
    {
        if (!File.Exists(Path.Combine(directory, DatasetManifest.FileName))) return null;
        var manifest = DatasetManifest.Load(directory);
        if (manifest.RunsInProgress is { Count: > 0 } runs)
            return $"{directory}: `data tokenize` did not finish writing this folder (killed, failed or still running): " +
                   string.Join("; ", runs.Select(run => $"{Unfinished(run)}; finish it with `{run.Command}`"));
        if (Environment.GetEnvironmentVariable(AllowUnmarkedVariable) == "1") return null;
        var unmarked = manifest.Datasets.Where(d => d.Complete != true).Select(d => d.Name).ToList();
        if (manifest.Complete != true || unmarked.Count > 0)
            return $"{directory}: manifest.json has no completion marker{(unmarked.Count > 0 ? $" for {string.Join(", ", unmarked)}" : "")} " +
                   "(written by an older Tsumugi), so a `data tokenize` run stopped midway cannot be told from a finished one; " +
                   $"re-run `tsumugi data tokenize --input ... --tokenizer ... --output {directory}`, or set {AllowUnmarkedVariable}=1 if you know it finished";
        return null;
    }

    static string Unfinished(TokenizeRunRecord run) => run.Pending switch
    {
        null => "it stopped while tokenizing, before any dataset was written",
        [] => "every dataset was written but the run did not record its end",
        var pending => $"dataset(s) {string.Join(", ", pending)} not written",
    };
}
