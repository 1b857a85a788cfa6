namespace Tsumugi.Cli.Tests;

/// <summary>
/// Shared by the `data tokenize` tests: the Debian FAQ (Japanese and English, ~35 pages of ../shared/corpus) cleaned
/// by `corpus clean` (configs/corpus-docs.yaml) into routed .jsonl.zst shards, and a small tokenizer trained on them by `tokenizer train`.
/// </summary>
public sealed class CleanedCorpusFixture : IDisposable
{
    public CleanedCorpusFixture()
    {
        // The documentation pipeline the demo uses: the default (web) filters reject most manual pages.
        Run("corpus", "clean", "--config", Path.Combine(RepoPaths.Configs, "corpus-docs.yaml"),
            "--input", JaPages, Path.Combine(RepoPaths.SharedCorpus, "en", "debian-faq"), "--output", Clean, "--workers", "2");
        Run(["tokenizer", "train", "--input", .. System.IO.Directory.GetFiles(Clean, "*.jsonl.zst"),
            "--vocab-size", "1500", "--threads", "2", "--output", Tokenizer]);
    }

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("tsumugi-data-").FullName;
    public string Clean => Path.Combine(Directory, "clean");
    public string Tokenizer => Path.Combine(Directory, "tok");
    public static string JaPages => Path.Combine(RepoPaths.SharedCorpus, "ja", "debian-faq-ja");

    static void Run(params string[] args)
    {
        var (code, _, err) = CliRunner.Run(args);
        if (code != 0) throw new InvalidOperationException($"tsumugi {string.Join(' ', args)} failed ({code}): {err}");
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
