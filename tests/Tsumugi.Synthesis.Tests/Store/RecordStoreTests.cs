using System.Text.Json.Nodes;
using Tsumugi.Synthesis.Store;

namespace Tsumugi.Synthesis.Tests.Store;

public sealed class RecordStoreTests
{
    static JsonObject Record(int i) => new() { ["messages"] = new JsonArray(), ["meta"] = new JsonObject { ["key"] = $"k{i}" } };

    [Fact]
    public void OutcomesAreSealedIntoShardsAndSurviveReopening()
    {
        using var dir = new TempDirectory();
        using (var store = new RecordStore(dir, shardRecords: 2))
        {
            store.Commit(Record(0), null);
            store.Commit(Record(1), "refusal: answer: hit");
            store.Commit(Record(2), null); // the second accepted record seals a shard
            store.Commit(Record(3), null);
        }
        using var reopened = new RecordStore(dir, shardRecords: 2);
        Assert.Equal(["k0", "k1", "k2", "k3"], reopened.DoneKeys.Order());
        Assert.Equal((3, 1), (reopened.Accepted, reopened.Rejected));
        Assert.Single(Directory.GetFiles(Path.Combine(dir, "records")));
        reopened.Seal();
        Assert.Equal(["k0", "k2", "k3"], RecordStore.ReadShards(Path.Combine(dir, "records")).Select(RecordStore.KeyOf));
        Assert.Equal("refusal: answer: hit", (string)RecordStore.ReadShards(Path.Combine(dir, "rejected")).Single()["reason"]!);
    }

    [Fact]
    public void AKillBetweenSealingAndEmptyingTheJournalDuplicatesNothing()
    {
        using var dir = new TempDirectory();
        var journal = Path.Combine(dir, "state", "open.jsonl");
        string before;
        using (var store = new RecordStore(dir, shardRecords: 3))
        {
            store.Commit(Record(0), null);
            store.Commit(Record(1), null);
            before = File.ReadAllText(journal);
            store.Commit(Record(2), null); // seals k0..k2 and empties the journal
        }
        // As if killed after the shard was written but before the journal was emptied, with a torn line at its end.
        File.WriteAllText(journal, before + File.ReadAllText(Path.Combine(dir, "records", "part-00000.jsonl")).Split('\n')[2].Replace("\"k2\"", "\"kX\"", StringComparison.Ordinal)[..20]);
        using (var store = new RecordStore(dir, shardRecords: 3))
        {
            Assert.Equal(3, store.Accepted);
            store.Commit(Record(3), null);
            store.Seal();
        }
        Assert.Equal(["k0", "k1", "k2", "k3"], RecordStore.ReadShards(Path.Combine(dir, "records")).Select(RecordStore.KeyOf));
    }
}
