using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Tsumugi.Corpus.Dedup;
using ZstdSharp;

namespace Tsumugi.Corpus.Tests;

/// <summary>The bounded-memory dedup: spilled runs give the same result as the in-memory sort and as an ordered pass.</summary>
public class DedupMemoryTests
{
    /// <summary>
    /// 5 shards of 240 documents: distinct articles, near copies (a sentence replaced or appended, possibly in a later
    /// shard), exact copies with other spacing/case, copies of copies, and one malformed line.
    /// </summary>
    static List<List<string>> WriteCorpus(string dir)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(7);
        var all = new List<string>();
        var shards = new List<List<string>>();
        for (int s = 0; s < 5; s++)
        {
            var lines = new List<string>();
            for (int i = 0; i < 240; i++)
            {
                int kind = all.Count == 0 ? 0 : rng.Next(10);
                string text = kind switch
                {
                    < 5 => CorpusFiles.JapaneseArticle(rng.Next(), rng.Next(4, 10)),
                    < 7 => all[rng.Next(all.Count)] + "\n末尾に足した一文です。",
                    < 8 => all[rng.Next(all.Count)].Replace("。", "。 ").ToUpperInvariant(),
                    < 9 => ReplaceSentence(all[rng.Next(all.Count)]),
                    _ => all[rng.Next(all.Count)],
                };
                all.Add(text);
                lines.Add(JsonSerializer.Serialize(new { text, meta = new { n = all.Count } }));
            }
            if (s == 2) lines.Insert(17, "{\"text\": \"truncated");
            shards.Add(lines);
            File.WriteAllBytes(Path.Combine(dir, $"shard-{s:D5}.jsonl.zst"), new Compressor(3).Wrap(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n")).ToArray());
        }
        return shards;
    }

    static string ReplaceSentence(string text)
    {
        int at = text.IndexOf('。');
        return at < 0 ? text + "。" : "差し替えた文。" + text[(at + 1)..];
    }

    /// <summary>The rule written as the ordered pass the dedup stage used to run (dictionaries of seen keys).</summary>
    static HashSet<(int Shard, int Line)> OrderedPassRemovals(List<List<string>> shards, DedupOptions o)
    {
        var hasher = new MinHasher(o.MinHash);
        var keys = new ulong[o.MinHash.Bands];
        var exactSeen = new HashSet<UInt128>();
        var bandSeen = Enumerable.Range(0, o.MinHash.Bands).Select(_ => new HashSet<ulong>()).ToArray();
        var removed = new HashSet<(int, int)>();
        var order = shards.SelectMany((lines, s) => lines.Select((l, i) => (s, i, l)));
        if (o.KeepNewest) order = order.Reverse();
        foreach (var (s, i, line) in order)
        {
            string text;
            try { text = JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!; }
            catch (JsonException) { text = line; }
            var norm = string.Concat(text.Where(c => !char.IsWhiteSpace(c)).Select(char.ToLowerInvariant));
            if (!exactSeen.Add(XxHash128.HashToUInt128(MemoryMarshal.AsBytes(norm.AsSpan())))) { removed.Add((s, i)); continue; }
            hasher.BandKeys(text, keys);
            bool dup = false;
            for (int b = 0; b < keys.Length; b++) dup |= !bandSeen[b].Add(keys[b]);
            if (dup) removed.Add((s, i));
        }
        return removed;
    }

    static HashSet<(int Shard, int Line)> Removals(List<List<string>> shards, string outDir)
    {
        var removed = new HashSet<(int, int)>();
        for (int s = 0; s < shards.Count; s++)
        {
            var bytes = new Decompressor().Unwrap(File.ReadAllBytes(Path.Combine(outDir, $"shard-{s:D5}.jsonl.zst"))).ToArray();
            var kept = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int k = 0;
            for (int i = 0; i < shards[s].Count; i++)
                if (k < kept.Length && kept[k] == shards[s][i]) k++;
                else removed.Add((s, i));
            Assert.Equal(kept.Length, k);  // kept lines are the input lines, in order, byte for byte
        }
        return removed;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TinyMemoryBound_SameResultAsInMemory_AndAsTheOrderedPass(bool keepNewest)
    {
        using var t = new TempDirectory();
        var shards = WriteCorpus(t.File("in"));
        var inMemory = new DedupOptions { KeepNewest = keepNewest, Workers = 2 };
        // 4 KB: 16-record runs for exact hashes and ~160-record runs for band keys, hundreds of runs, so the merge
        // also goes through intermediate runs (more than ExternalSorter.MaxFanIn).
        var tiny = new DedupOptions { KeepNewest = keepNewest, Workers = 2, MemoryBytes = 4096 };
        var a = new Deduplicator(inMemory).Run(t.File("in"), t.File("mem"));
        var b = new Deduplicator(tiny).Run(t.File("in"), t.File("disk"));

        Assert.Equal(0, a.SpilledRuns);
        Assert.True(b.SpilledRuns > 2 * ExternalSorter<BandRecord>.MaxFanIn, $"only {b.SpilledRuns} runs spilled");
        Assert.False(Directory.Exists(t.File($"disk/{Deduplicator.SpillFolder}")));
        foreach (var s in new[] { a, b }) { s.Seconds = 0; s.SpilledRuns = 0; s.MemoryLimitBytes = 0; }
        Assert.Equal(a.ToJson(), b.ToJson());
        for (int s = 0; s < shards.Count; s++)
        {
            var name = $"shard-{s:D5}.jsonl.zst";
            Assert.Equal(File.ReadAllBytes(t.File($"mem/{name}")), File.ReadAllBytes(t.File($"disk/{name}")));
        }

        var expected = OrderedPassRemovals(shards, inMemory);
        var actual = Removals(shards, t.File("disk"));
        Assert.True(a.ExactDuplicates > 50 && a.NearDuplicates > 50, $"corpus too easy: {a.ToJson()}");
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Order(), actual.Order());
        Assert.Equal(a.DocsIn - a.DocsKept, a.ExactDuplicates + a.NearDuplicates);
        Assert.Equal(1, a.MalformedLines);
    }

    [Fact]
    public void ExternalSorter_SortsAcrossRuns_AndCleansUp()
    {
        using var t = new TempDirectory();
        var rng = new Random(3);
        var items = Enumerable.Range(0, 5000).Select(_ => new BandRecord((ulong)rng.Next(50), rng.Next(), rng.Next(3))).ToArray();
        var spill = t.File("spill");
        List<BandRecord> sorted;
        using (var sorter = new ExternalSorter<BandRecord>(spill, "x", 24 * 20))
        {
            for (int i = 0; i < items.Length; i += 37) sorter.Add(items.AsSpan(i, Math.Min(37, items.Length - i)));
            sorted = sorter.Sorted().ToList();
            Assert.Equal(5000 / 20, sorter.RunsSpilled);
        }
        Assert.Equal(items.Order().ToList(), sorted);
        Assert.Empty(Directory.GetFiles(spill));
    }

    [Fact]
    public void NonPositiveMemory_IsRejectedWithTheFlagName()
    {
        using var t = new TempDirectory();
        WriteCorpus(t.File("in"));
        var e = Assert.Throws<ArgumentException>(() => new Deduplicator(new DedupOptions { MemoryBytes = 0 }).Run(t.File("in"), t.File("out")));
        Assert.Contains("--memory", e.Message);
    }
}
