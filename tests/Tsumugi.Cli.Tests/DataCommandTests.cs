using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Tsumugi.Corpus.Shards;
using Tsumugi.Datasets;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class DataCommandTests(CleanedCorpusFixture corpus) : IClassFixture<CleanedCorpusFixture>, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-data-out-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    SpmTokenizer LoadTokenizer() => SpmTokenizer.Load(Path.Combine(corpus.Tokenizer, "tokenizer.model"));

    /// <summary>clean → tokenizer train → data tokenize: every shard record comes back as its ids + EOS, split by domain.</summary>
    [Fact]
    public void TokenizeWritesOneDatasetPerDomainHoldingTheEncodedShardRecords()
    {
        var output = Path.Combine(_dir, "data");
        var (code, stdout, err) = SpectreOutput.Run("data", "tokenize", "--input", corpus.Clean, "--tokenizer", corpus.Tokenizer, "--output", output, "--threads", "2");
        Assert.True(code == 0, err);
        Assert.Contains("data tokenize", stdout);
        Assert.Contains("tokens/s", stdout);

        var tokenizer = LoadTokenizer();
        var records = ShardRecords.Files(corpus.Clean).SelectMany(ShardRecords.Read).GroupBy(r => r.Domain).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(["en", "ja"], records.Keys.Order());
        var manifest = DatasetManifest.Load(output);
        Assert.Equal(["en", "ja"], manifest.Datasets.Select(d => d.Name));
        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(corpus.Tokenizer, "tokenizer.model"))));
        foreach (var entry in manifest.Datasets)
        {
            using var ds = IndexedDataset.Open(Path.Combine(output, entry.Name));
            var expected = records[entry.Name];
            Assert.Equal(expected.Count, ds.DocumentCount);
            for (var i = 0; i < expected.Count; i++)
                Assert.Equal([.. tokenizer.Encode(expected[i].Text), tokenizer.EosId], ds.GetSequence(i));
            Assert.Equal((entry.Name, ds.TokenCount, (long)ds.DocumentCount, "uint16", tokenizer.VocabSize, (int?)tokenizer.EosId, hash),
                (entry.Domain, entry.Tokens, entry.Documents, entry.DType, entry.VocabularySize, entry.EosId, entry.TokenizerHash));
        }
    }

    /// <summary>Raw HTML pages go through the corpus reader's extraction; --name and --domain label the single dataset.</summary>
    [Fact]
    public void TokenizeReadsRawHtmlIntoOneNamedDataset()
    {
        var output = Path.Combine(_dir, "faq");
        var (code, stdout, err) = SpectreOutput.Run("data", "tokenize", "--input", CleanedCorpusFixture.JaPages, "--tokenizer", corpus.Tokenizer,
            "--output", output, "--name", "faq", "--domain", "ja", "--threads", "1");
        Assert.True(code == 0, err);
        var entry = Assert.Single(DatasetManifest.Load(output).Datasets);
        Assert.Equal(("faq", "ja"), (entry.Name, entry.Domain));
        // Every page is one document, unless the extractor found no text in it (skipped as empty).
        var pages = Directory.GetFiles(CleanedCorpusFixture.JaPages, "*.html").Length;
        var empty = int.Parse(Regex.Match(stdout, $@"{entry.Documents:N0} documents, [\d,]+ tokens; skipped (\d+) empty, 0 unreadable").Groups[1].Value);
        Assert.Equal(pages, entry.Documents + empty);
        Assert.True(empty <= 1 && entry.Tokens > 1000 * entry.Documents, stdout);
    }

    [Fact]
    public void TokenizeSkipsACorruptLineAndReportsItsFileAndLine()
    {
        var input = Path.Combine(_dir, "mixed.jsonl");
        File.WriteAllLines(input, ["{\"text\": \"Debian のパッケージを更新します。\"}", "{\"text\": broken", "{\"text\": \"apt で検索します。\"}"]);
        var (code, stdout, err) = SpectreOutput.Run("data", "tokenize", "--input", input, "--tokenizer", corpus.Tokenizer, "--output", Path.Combine(_dir, "m"));
        Assert.True(code == 0, err);
        Assert.Contains($"malformed_json: {input}:2", stdout);
        Assert.Equal(2, Assert.Single(DatasetManifest.Load(Path.Combine(_dir, "m")).Datasets).Documents);
    }

    [Fact]
    public void MissingTokenizerOrInputIsAOneLineErrorWithExitCode1()
    {
        var absent = Path.Combine(_dir, "no-such-tokenizer");
        var noTokenizer = CliRunner.Run("data", "tokenize", "--input", corpus.Clean, "--tokenizer", absent, "--output", Path.Combine(_dir, "x"));
        Assert.Equal(1, noTokenizer.ExitCode);
        Assert.Equal($"error: tokenizer '{absent}' not found; pass a tokenizer directory (tokenizer.model or tokenizer.json, as `tsumugi tokenizer train` or a Hugging Face model writes it), a .model file or a tokenizer.json",
            noTokenizer.Err.Trim());

        var noInput = CliRunner.Run("data", "tokenize", "--input", Path.Combine(_dir, "nope"), "--tokenizer", corpus.Tokenizer, "--output", Path.Combine(_dir, "x"));
        Assert.Equal(1, noInput.ExitCode);
        Assert.Single(noInput.Err.Trim().Split('\n'));
        Assert.Contains(Path.Combine(_dir, "nope"), noInput.Err);

        Assert.Equal(2, CliRunner.Run("data", "tokenize", "--input", corpus.Clean).ExitCode); // usage: --tokenizer and --output missing
    }

    [Fact]
    public void HelpDescribesEveryOption()
    {
        var (code, stdout, _) = CliRunner.Run("data", "tokenize", "--help");
        Assert.Equal(0, code);
        foreach (var text in new[] { "--input", "--tokenizer", "--output", "--name", "--domain", "--threads", "--text-field", "Megatron", "EOS" })
            Assert.Contains(text, stdout);
        Assert.Contains("data", CliRunner.Run("--help").Out);
    }
}
