using Tsumugi.Datasets.Curriculum;
using Tsumugi.Datasets.Tokenize;
using static Tsumugi.Datasets.Tests.TokenizeInputs;

namespace Tsumugi.Datasets.Tests;

/// <summary>
/// The completion markers of <c>data tokenize</c>: a folder a run did not finish is refused by training's data plan
/// (naming what is missing and the command that finishes it), and the rerun removes what the killed run left.
/// </summary>
public sealed class TokenizeCompletionTests : IDisposable
{
    readonly TempDirectory _dir = new();
    readonly string _tokenizer;

    public TokenizeCompletionTests() => _tokenizer = TestTokenizer.Write(_dir.File("tok"));

    public void Dispose() => _dir.Dispose();

    /// <summary>Training's view of a folder: what RunPlan does with <c>data.path: DIR</c>.</summary>
    static DataPlan PlanFor(string directory) => DataPlan.Create(CurriculumConfig.FromPath(directory, tokens: 64), sequenceLength: 16, seed: 1);

    string[] Inputs() =>
    [
        WriteZst(_dir.File("in/shard-00000.jsonl.zst"), Enumerable.Range(0, 30).Select(i => Record(Text(i), (i % 3) switch { 0 => "code", 1 => "en", _ => "ja" }))),
        WriteZst(_dir.File("in/shard-00001.jsonl.zst"), Enumerable.Range(30, 30).Select(i => Record(Text(i), (i % 3) switch { 0 => "code", 1 => "en", _ => "ja" }))),
    ];

    TokenizeResult Run(string[] inputs, string output) =>
        new DatasetTokenizer(new TokenizeOptions { Inputs = inputs, Tokenizer = _tokenizer, Output = output, Threads = 2 }).Run();

    [Fact]
    public async Task KilledWhileMergingJa_FolderIsRefusedNamingJaAndTheRerunCleansUpAndCompletesIt()
    {
        var inputs = Inputs();
        var output = _dir.File("out");
        using (var child = TokenizeChild.Start([TokenizeChild.HangWhileMerging, "ja", _tokenizer, output, .. inputs]))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            string? line;
            try
            {
                line = await child.StandardOutput.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                line = "(nothing in two minutes)";
            }
            if (line != "merging ja")
            {
                child.Kill(entireProcessTree: true);
                Assert.Fail($"the child never reached the ja merge: {line}; {await child.StandardError.ReadToEndAsync()}");
            }
            child.Kill(entireProcessTree: true); // SIGKILL: nothing is cleaned up, as after a crash or an OOM kill
            await child.WaitForExitAsync();
        }

        // What the kill left: code and en published, ja only as a temporary, the manifest without ja.
        Assert.True(File.Exists(Path.Combine(output, "en.idx")) && File.Exists(Path.Combine(output, "code.idx")));
        Assert.False(File.Exists(Path.Combine(output, "ja.idx")));
        Assert.Contains(Directory.GetFiles(output, "ja.bin.*.tmp"), _ => true);
        Assert.Null(DatasetManifest.Load(output).Find("ja"));

        // Non-training readers still read what is there.
        using (var en = IndexedDataset.Open(Path.Combine(output, "en"))) Assert.Equal(20, en.DocumentCount);

        var refused = Assert.Throws<DataConfigException>(() => PlanFor(output));
        Assert.Contains(output, refused.Message);
        Assert.Contains("dataset(s) ja not written", refused.Message);
        Assert.Contains($"tsumugi data tokenize --input {inputs[0]} {inputs[1]} --tokenizer {_tokenizer} --output {output}", refused.Message);

        var rerun = Run(inputs, output);

        Assert.True(rerun.LeftoversRemoved >= 2); // the killed run's work folder and ja.bin.RANDOM.tmp
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetDirectories(output, ".tokenize-*"));
        var manifest = DatasetManifest.Load(output);
        Assert.True(manifest.Complete);
        Assert.Null(manifest.RunsInProgress);
        Assert.All(manifest.Datasets, d => Assert.True(d.Complete));
        using var plan = PlanFor(output);
        Assert.Equal(["code", "en", "ja"], plan.Datasets.Select(d => d.Name));
    }

    [Fact]
    public void FailedRun_FolderIsRefusedUntilARerunFinishes()
    {
        var inputs = Inputs();
        var output = _dir.File("out");
        Directory.CreateDirectory(Path.Combine(output, "ja.idx")); // publishing ja fails: a folder holds its name

        Assert.ThrowsAny<IOException>(() => Run(inputs, output));

        var refused = Assert.Throws<DataConfigException>(() => PlanFor(output));
        Assert.Contains("dataset(s) ja not written", refused.Message);
        Directory.Delete(Path.Combine(output, "ja.idx"));
        Run(inputs, output);
        using var plan = PlanFor(output);
        Assert.Equal(3, plan.Datasets.Count);
    }

    [Fact]
    public void ManifestWithoutMarkers_IsReadableButRefusedForTrainingWithTheCommandToRerun()
    {
        var output = _dir.File("old");
        Run(Inputs(), output);
        // As an older Tsumugi wrote it: the same entries, no "complete" anywhere.
        var path = Path.Combine(output, DatasetManifest.FileName);
        var old = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        old.Remove("complete");
        foreach (var entry in old["datasets"]!.AsArray()) entry!.AsObject().Remove("complete");
        File.WriteAllText(path, old.ToJsonString());

        Assert.Equal(["code", "en", "ja"], DatasetManifest.Load(output).Datasets.Select(d => d.Name));
        var refused = Assert.Throws<DataConfigException>(() => PlanFor(output));
        Assert.Contains("no completion marker", refused.Message);
        Assert.Contains($"tsumugi data tokenize --input ... --tokenizer ... --output {output}", refused.Message);
        Assert.Contains(DatasetCompleteness.AllowUnmarkedVariable, refused.Message);
    }

    [Fact]
    public void RunInAFolderWhereAnotherRunIsAlive_KeepsThatRunsFilesAndLeavesTheFolderIncomplete()
    {
        var output = _dir.File("out");
        Directory.CreateDirectory(output);
        using (var other = TokenizeRun.Start(output, "tsumugi data tokenize --name other"))
        {
            other.Plan(["other"]);
            var othersTemp = Path.Combine(output, "other.bin.0badcafe.tmp");
            File.WriteAllText(othersTemp, "being written");

            Run(Inputs(), output);

            Assert.True(File.Exists(othersTemp));
            Assert.True(Directory.Exists(other.WorkDirectory));
            Assert.Contains("dataset(s) other not written", Assert.Throws<DataConfigException>(() => PlanFor(output)).Message);
            other.Finish();
        }
        using var plan = PlanFor(output);
        Assert.Equal(3, plan.Datasets.Count);
    }
}
