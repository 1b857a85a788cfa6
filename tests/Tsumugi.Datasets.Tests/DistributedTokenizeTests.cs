using System.Text.Json;
using Tsumugi.Corpus.Tasks;
using Tsumugi.Datasets.Tokenize;
using static Tsumugi.Datasets.Tests.TokenizeInputs;

namespace Tsumugi.Datasets.Tests;

public sealed class DistributedTokenizeTests : IDisposable
{
    readonly TempDirectory _dir = new();
    readonly string _tokenizer;
    readonly string _input;

    public DistributedTokenizeTests()
    {
        _tokenizer = TestTokenizer.Write(_dir.File("tok"));
        // Seven corpus shards of two domains, a malformed line and an empty document among them.
        for (int s = 0; s < 7; s++)
            WriteZst(_dir.File($"in/shard-{s:D5}.jsonl.zst"), Enumerable.Range(0, 5 + s).Select(i => Record(Text(s * 100 + i), i % 3 == 0 ? "en" : "ja"))
                .Concat(s == 2 ? ["{not json", Record("  ", "ja")] : []));
        _input = _dir.File("in");
    }

    public void Dispose() => _dir.Dispose();

    TokenizeResult Run(string output, TaskShard? task, int threads = 2) =>
        new DatasetTokenizer(new TokenizeOptions { Inputs = [_input], Tokenizer = _tokenizer, Output = _dir.File(output), Threads = threads, Task = task }).Run();

    static List<JsonElement> Entries(string dir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, DatasetManifest.FileName))).RootElement.GetProperty("datasets").EnumerateArray().ToList();

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Tasks_ProduceTheSingleProcessDatasetsByteForByte(int tasks)
    {
        var single = Run("single", null, threads: 1);
        TokenizeResult last = null!;
        for (int r = tasks - 1; r >= 0; r--)
        {
            last = Run("split", new TaskShard(r, tasks, "test"), threads: 1 + r % 2);
            Assert.Equal(r == 0, last.TasksMerged);
            Assert.Equal(Enumerable.Range(0, r).ToList(), last.MissingTasks);
            Assert.Equal(r == 0, File.Exists(_dir.File($"split/{DatasetManifest.FileName}")) && DatasetManifest.Load(_dir.File("split")).Complete != false);
        }
        Assert.Equal(single.Documents, last.Documents);
        Assert.Equal(single.Tokens, last.Tokens);
        Assert.Equal(single.ErroredRecords, last.ErroredRecords);
        Assert.Equal(single.EmptyDocuments, last.EmptyDocuments);
        Assert.Equal(["en", "ja"], single.Datasets.Select(d => d.Name).Order());
        foreach (var d in single.Datasets)
            foreach (var ext in new[] { ".bin", ".idx" })
                Assert.Equal(File.ReadAllBytes(_dir.File($"single/{d.Name}{ext}")), File.ReadAllBytes(_dir.File($"split/{d.Name}{ext}")));
        Assert.Equal(Entries(_dir.File("single")).Select(e => e.GetRawText()), Entries(_dir.File("split")).Select(e => e.GetRawText()));
        Assert.False(Directory.Exists(DatasetTokenizer.PartsFolder(_dir.File("split"))));

        // Re-submitting the whole job changes nothing and merges nothing again.
        var bin = File.ReadAllBytes(_dir.File("split/ja.bin"));
        var again = Run("split", new TaskShard(tasks - 1, tasks, "test"));
        Assert.False(again.TasksMerged);
        Assert.Equal(0, again.Documents);
        Assert.Equal(bin, File.ReadAllBytes(_dir.File("split/ja.bin")));
    }

    [Fact]
    public void MoreTasksThanShards_AndAnotherTaskCount_AreHandled()
    {
        for (int r = 0; r < 9; r++) Run("split", new TaskShard(r, 9, "test"));
        Assert.Equal(Run("single", null).Tokens, new IndexedDataset[] { IndexedDataset.Open(_dir.File("split/ja")), IndexedDataset.Open(_dir.File("split/en")) }.Sum(d => { using (d) return d.TokenCount; }));
        var e = Assert.Throws<InvalidOperationException>(() => Run("split", new TaskShard(0, 3, "test")));
        Assert.Contains("9-task run", e.Message);
    }
}
