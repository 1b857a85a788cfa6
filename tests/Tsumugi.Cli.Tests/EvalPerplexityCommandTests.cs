using System.Text.Json;
using Tsumugi.Corpus;
using Tsumugi.Corpus.Shards;

namespace Tsumugi.Cli.Tests;

/// <summary>`tsumugi eval perplexity` on text files and corpus shards: per-domain metrics, batching, the audit trail.</summary>
[Collection("cli")]
public sealed class EvalPerplexityCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-evalppl-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    string TinyModel()
    {
        CorpusSample.Write("ja", 30_000, Sub("ja.txt"));
        Assert.Equal(0, CliRunner.Run("tokenizer", "train", "--input", Sub("ja.txt"), "--output", Sub("tok"), "--vocab-size", "1000",
            "--character-coverage", "0.995", "--threads", "2").ExitCode);
        Assert.Equal(0, CliRunner.Run("model", "init", "--preset", "tiny", "--tokenizer", Sub("tok"), "--output", Sub("model"), "--seed", "5").ExitCode);
        return Sub("model");
    }

    string Shard()
    {
        var path = Sub("shard/part-00000.jsonl.zst");
        using var writer = new JsonlZstWriter(path);
        var ja = CorpusSample.Write("ja", 2_000, Sub("ja-shard.txt"));
        var en = CorpusSample.Write("en", 2_000, Sub("en-shard.txt"));
        foreach (var (file, domain) in new[] { (ja, "ja"), (en, "en") })
            foreach (var (line, i) in File.ReadAllLines(file).Chunk(4).Select((c, i) => (string.Join("\n", c), i)))
                writer.Write(new Document { Id = $"{domain}-{i}", Text = line, Source = new DocumentSource(file, i + 1, 0), Domain = domain });
        writer.Commit();
        File.WriteAllText(Sub("shard/summary.json"), """{"docs_kept": 2}"""); // what `corpus clean` leaves beside its shards
        return Path.GetDirectoryName(path)!;
    }

    [Fact]
    public void PerDomainMetricsDoNotDependOnBatchSizeAndMatchTheDetails()
    {
        var model = TinyModel();
        var text = CorpusSample.Write("ja", 6_000, Sub("eval.txt"));
        var shard = Shard();
        string[] args = ["eval", "perplexity", "--model", model, "--input", text, shard, "--domain", "wiki", "--context", "64", "--stride", "48"];
        var one = CliRunner.Run([.. args, "--batch-size", "1", "--output", Sub("one.json")]);
        Assert.True(one.ExitCode == 0, one.Err);
        var eight = CliRunner.Run([.. args, "--batch-size", "8", "--output", Sub("eight.json")]);
        Assert.True(eight.ExitCode == 0, eight.Err);

        var a = JsonDocument.Parse(File.ReadAllText(Sub("one.json"))).RootElement;
        var b = JsonDocument.Parse(File.ReadAllText(Sub("eight.json"))).RootElement;
        Assert.Equal("perplexity", a.GetProperty("kind").GetString());
        Assert.Equal("model", a.GetProperty("model").GetString());
        var names = a.GetProperty("metrics").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var domain in new[] { "wiki", "ja", "en", "all" })
            foreach (var metric in new[] { "ppl", "bits_per_char", "bits_per_byte" })
                Assert.Contains($"{metric}/{domain}", names);
        foreach (var p in a.GetProperty("metrics").EnumerateObject())
            Assert.Equal(p.Value.GetDouble(), b.GetProperty("metrics").GetProperty(p.Name).GetDouble(), 1e-6 * p.Value.GetDouble());

        var details = a.GetProperty("details");
        var wiki = details.GetProperty("domains").EnumerateArray().Single(d => d.GetProperty("domain").GetString() == "wiki");
        Assert.Equal(1, wiki.GetProperty("documents").GetInt32()); // one document per .txt file (--split file)
        Assert.Equal(File.ReadAllText(text).Length, wiki.GetProperty("characters").GetInt64());
        Assert.Equal(wiki.GetProperty("nll_nats").GetDouble() / Math.Log(2) / wiki.GetProperty("bytes").GetInt64(),
            a.GetProperty("metrics").GetProperty("bits_per_byte/wiki").GetDouble(), 1e-9);
        Assert.Equal(0, details.GetProperty("read_issues").GetArrayLength()); // the folder's summary.json is not read as text
        var docs = details.GetProperty("documents").EnumerateArray().ToList();
        Assert.True(docs.Single(d => d.GetProperty("domain").GetString() == "wiki").GetProperty("windows").GetInt32() > 1, "the long file needs several windows");
        Assert.Equal(docs.Where(d => d.GetProperty("domain").GetString() == "ja").Sum(d => d.GetProperty("tokens").GetInt64()),
            details.GetProperty("domains").EnumerateArray().Single(d => d.GetProperty("domain").GetString() == "ja").GetProperty("tokens").GetInt64());
    }

    [Fact]
    public void ParagraphSplitAndBadWindowsAreReported()
    {
        var model = TinyModel();
        File.WriteAllText(Sub("paras.txt"), "東京は日本の首都です。\n\n大阪は西にあります。\n\n\n京都には寺が多い。\n");
        var run = CliRunner.Run("eval", "perplexity", "--model", model, "--input", Sub("paras.txt"), "--split", "paragraph", "--output", Sub("p.json"));
        Assert.True(run.ExitCode == 0, run.Err);
        var details = JsonDocument.Parse(File.ReadAllText(Sub("p.json"))).RootElement.GetProperty("details");
        Assert.Equal(3, details.GetProperty("documents").GetArrayLength());

        // An HF checkpoint may ship tokenizer.json without tokenizer.model: the same tokens, the same numbers.
        Directory.CreateDirectory(Sub("json-only"));
        foreach (var file in Directory.GetFiles(model).Where(f => Path.GetFileName(f) != "tokenizer.model"))
            File.Copy(file, Path.Combine(Sub("json-only"), Path.GetFileName(file)));
        Assert.True(File.Exists(Sub("json-only/tokenizer.json")), "model init copies tokenizer.json");
        var viaJson = CliRunner.Run("eval", "perplexity", "--model", Sub("json-only"), "--input", Sub("paras.txt"), "--split", "paragraph", "--output", Sub("j.json"));
        Assert.True(viaJson.ExitCode == 0, viaJson.Err);
        var jsonMetrics = JsonDocument.Parse(File.ReadAllText(Sub("j.json"))).RootElement.GetProperty("metrics");
        foreach (var p in JsonDocument.Parse(File.ReadAllText(Sub("p.json"))).RootElement.GetProperty("metrics").EnumerateObject())
            Assert.Equal(p.Value.GetDouble(), jsonMetrics.GetProperty(p.Name).GetDouble(), 1e-9);
        File.Delete(Sub("json-only/tokenizer.json"));
        var noTokenizer = CliRunner.Run("eval", "perplexity", "--model", Sub("json-only"), "--input", Sub("paras.txt"));
        Assert.Equal(1, noTokenizer.ExitCode);
        Assert.Contains("no tokenizer.model or tokenizer.json", noTokenizer.Err);

        var stride = CliRunner.Run("eval", "perplexity", "--model", model, "--input", Sub("paras.txt"), "--context", "32", "--stride", "32");
        Assert.Equal(1, stride.ExitCode);
        Assert.StartsWith("error: --stride must be in 1..31", stride.Err);
        var missing = CliRunner.Run("eval", "perplexity", "--model", model, "--input", Sub("nothing-here.txt"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nothing-here.txt", missing.Err);
    }
}
