using System.Text.Json.Nodes;
using Tsumugi.Training.Loop;

namespace Tsumugi.Training.Tests.Units;

public class JsonLinesLogTests
{
    [Fact]
    public void Read_LineThatIsNotJson_NamesTheFileAndLine()
    {
        using var temp = new TempDirectory();
        var path = temp.File("metrics.jsonl");
        File.WriteAllText(path, "{\"step\":1}\n{\"step\":2,\"lo{\"step\":2}\n{\"step\":3}\n");
        var error = Assert.Throws<InvalidDataException>(() => JsonLinesLog.Read(path));
        Assert.Contains($"{path}:2:", error.Message);
        var problems = new List<string>();
        Assert.Equal(new long[] { 1, 3 }, JsonLinesLog.Read(path, problems).Select(l => (long)l["step"]!));
        Assert.Contains($"{path}:2:", Assert.Single(problems));
    }

    [Fact]
    public void Open_TornLastLine_IsCutSoTheNextLineStaysWhole()
    {
        using var temp = new TempDirectory();
        var path = temp.File("events.jsonl");
        File.WriteAllText(path, "{\"event\":\"start\"}\n{\"event\":\"chec");
        using (var log = new JsonLinesLog(path))
        {
            Assert.Contains("torn last line", log.TornTail);
            log.Append(new JsonObject { ["event"] = "resume" });
        }
        Assert.Equal(new[] { "start", "resume" }, JsonLinesLog.Read(path).Select(l => (string)l["event"]!));
    }
}
