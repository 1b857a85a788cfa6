using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tsumugi.Corpus.Shards;
using ZstdSharp;

namespace Tsumugi.Corpus.Tests;

public class JsonlZstWriterTests
{
    /// <summary>
    /// The writer writes common metadata values (strings, integers, doubles, booleans, JSON elements) itself instead of
    /// through JsonSerializer: the line must be byte for byte what the serializer writes for every one of them.
    /// </summary>
    [Fact]
    public void MetadataValues_WrittenAsTheSerializerWritesThem()
    {
        using var t = new TempDirectory();
        var values = new Dictionary<string, object?>
        {
            ["format"] = "json", ["quoted"] = "a \"b\" \\ 日本語 \n\t <tag> &amp; 😀 \u0001", ["row"] = 12345678901L, ["n"] = -7,
            ["ja_share"] = 0.123, ["score"] = Math.Round(2.0 / 3, 3), ["tiny"] = 1e-300, ["big"] = 1.7976931348623157e308, ["whole"] = 3.0,
            ["yes"] = true, ["no"] = false, ["null"] = null,
            ["element"] = JsonDocument.Parse("{\"a\":[1,2.50,\"x\\u00e9\"],\"b\":null}").RootElement.Clone(),
            ["array"] = new[] { "p", "q" },
        };
        var doc = new Document { Id = "id1", Text = "本文", Source = new DocumentSource("f.jsonl", 3, 0) };
        foreach (var (k, v) in values) doc.Meta[k] = v;
        var path = t.File("s.jsonl.zst");
        using (var w = new JsonlZstWriter(path)) { w.Write(doc, "because"); w.Commit(); }
        var line = Encoding.UTF8.GetString(new Decompressor().Unwrap(File.ReadAllBytes(path)).ToArray()).TrimEnd('\n');

        // The reference: the same record with every metadata value through JsonSerializer.
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("id", "id1");
            json.WriteString("text", "本文");
            json.WriteStartObject("source");
            json.WriteString("file", "f.jsonl");
            json.WriteNumber("line", 3);
            json.WriteEndObject();
            json.WriteString("domain", "unrouted");
            json.WriteString("quality", "unrated");
            json.WriteString("reason", "because");
            json.WriteStartObject("meta");
            foreach (var (k, v) in values)
            {
                json.WritePropertyName(k);
                JsonSerializer.Serialize(json, v, v?.GetType() ?? typeof(object));
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        Assert.Equal(Encoding.UTF8.GetString(buffer.ToArray()), line);
    }
}

public class CorpusJsonTests
{
    /// <summary>
    /// plan.json, done files and summary.json are written from compile-time metadata (CorpusJsonContext): the text
    /// must be what reflection-based serialization with the same settings writes, and read back the same.
    /// </summary>
    [Fact]
    public void RunBooks_SameJsonAsReflection()
    {
        var reflection = new System.Text.Json.JsonSerializerOptions(CorpusJson.Options) { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
        var stats = new Tsumugi.Corpus.Pipeline.RunStats
        {
            FilesRead = 3, BytesIn = 1234567, DocsIn = 100, CharsIn = 50_000, DocsKept = 10, CharsKept = 5000, CharsOut = 4900,
            DocsErrored = 1, CharsErrored = 7, Seconds = double.NaN, ShardsDone = 2, IssueSamples = ["malformed_json: a.jsonl:3: 日本語 \"x\""],
        };
        stats.Rejected["length"] = new Tsumugi.Corpus.Pipeline.StepCount { Docs = 89, Chars = 45_093 };
        stats.StepSeconds["read"] = 0.125;
        stats.StepSeconds["normalize"] = double.PositiveInfinity;
        stats.Issues["malformed_json"] = 1;
        stats.Domains["ja"] = 10;
        stats.Tiers["high"] = 4;
        stats.MostlyRejected = Tsumugi.Corpus.Pipeline.RejectionAdvice.For(stats);
        Assert.NotNull(stats.MostlyRejected);
        var expected = System.Text.Json.JsonSerializer.Serialize(stats, reflection);
        Assert.Equal(expected, stats.ToJson());
        Assert.Equal(expected, Tsumugi.Corpus.Pipeline.RunStats.FromJson(expected).ToJson());

        var plan = Tsumugi.Corpus.Shards.ShardPlan.Create(["/in/a.jsonl", "/in/b.jsonl", "/in/日本.jsonl"], 1, 2);
        var planJson = System.Text.Json.JsonSerializer.Serialize(plan, reflection);
        Assert.Equal(planJson, plan.ToJson());
        Assert.Equal(planJson, Tsumugi.Corpus.Shards.ShardPlan.FromJson(planJson).ToJson());
    }
}
