using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Tests;

public class TrainingInputTests
{
    static void WriteShard(string path, params string[] texts) =>
        File.WriteAllBytes(path, new ZstdSharp.Compressor(3).Wrap(System.Text.Encoding.UTF8.GetBytes(
            string.Concat(texts.Select(t => System.Text.Json.JsonSerializer.Serialize(new { text = t }) + "\n")))).ToArray());

    /// <summary>A `corpus clean` output folder: only its kept shards are training text, not its bookkeeping.</summary>
    [Fact]
    public void CorpusOutputFolder_ReadsOnlyKeptShards()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tsumugi-tok-input-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "ja"));
            WriteShard(Path.Combine(dir, "ja", "part-00000.jsonl.zst"), "吾輩は猫である。", "名前はまだ無い。");
            WriteShard(Path.Combine(dir, "ja", "part-00000.rejected.jsonl.zst"), "REJECTED");
            File.WriteAllText(Path.Combine(dir, "plan.json"), "{\"plan\": \"PLAN\"}\n");
            File.WriteAllText(Path.Combine(dir, "summary.json"), "{\"docs_kept\": 2}\n");
            File.WriteAllText(Path.Combine(dir, "ja", "part-00000.done.json"), "{\"done\": true}\n");

            Assert.Equal([Path.Combine(dir, "ja", "part-00000.jsonl.zst")], TrainingInput.ExpandPaths([dir]).ToList());
            Assert.Equal(["吾輩は猫である。", "名前はまだ無い。"], TrainingInput.ReadSentences([dir], 4192).ToList());
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A folder without shards is still read as plain text files.</summary>
    [Fact]
    public void TextFolder_ReadsItsFiles()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tsumugi-tok-input-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "a.txt"), "一行目\n二行目\n");
            File.WriteAllText(Path.Combine(dir, "b.txt"), "三行目\n");
            Assert.Equal(["一行目", "二行目", "三行目"], TrainingInput.ReadSentences([dir], 4192).ToList());
        }
        finally { Directory.Delete(dir, true); }
    }
}
