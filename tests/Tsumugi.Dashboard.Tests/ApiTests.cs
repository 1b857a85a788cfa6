using System.Net;
using System.Text.Json.Nodes;

namespace Tsumugi.Dashboard.Tests;

/// <summary>The JSON API's shapes over a --runs folder holding runs, eval results and a pipeline (docs/dashboard.md, "API").</summary>
public sealed class ApiTests : IAsyncLifetime
{
    readonly RunsFolder _runs = new();
    TestDashboard _dash = null!;

    public async Task InitializeAsync()
    {
        _runs.Run("train", 30);
        _runs.Run("pipe/pretrain", 12, finished: false);
        File.SetLastWriteTimeUtc(Path.Combine(_runs.Path, "pipe/pretrain/metrics.jsonl"), DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(Path.Combine(_runs.Path, "pipe/pretrain/events.jsonl"), DateTime.UtcNow.AddHours(-1));
        _runs.Pipeline("pipe", ("tokenizer", "done", "tokenizer"), ("pretrain", "running", "pretrain"), ("sft", "pending", "sft"));
        _runs.Write("train/samples.jsonl", """{"step":30,"prompt":"日本の首都は？","answer":"東京","reference":"東京です。"}""" + "\n");
        _runs.Run("train/checkpoints/step-30", 3); // inside checkpoints/: never listed
        _runs.EvalResult("eval/trained/tasks.json", "trained", 0.6);
        _runs.EvalResult("eval/untrained/tasks.json", "untrained", 0.2);
        _runs.EvalResult("train/eval/step-30/tasks.json", "train/step-30", 0.4);
        _runs.Write("train/eval/suite.json", """{"tasks": ["a.json"], "shots": null}"""); // JSON but not a result
        _runs.Write("tokenizer/tokenizer.json", """{"version": "1.0", "model": {"type": "BPE"}}""");
        _dash = await TestDashboard.StartAsync(_runs.Path);
    }

    public async Task DisposeAsync()
    {
        await _dash.DisposeAsync();
        _runs.Dispose();
    }

    [Fact]
    public async Task Runs_ListsRunsAndPipelines_WithStateAndSteps()
    {
        var runs = (await _dash.GetJsonAsync("/api/runs")).AsArray();
        Assert.Equal(["pipe", "pipe/pretrain", "train"], runs.Select(r => (string)r!["id"]!));
        var train = runs.Single(r => (string)r!["id"]! == "train")!;
        Assert.Equal(("run", "train", "finished", 30, 30), ((string)train["kind"]!, (string)train["name"]!, (string)train["state"]!, (int)train["steps"]!, (int)train["last_step"]!));
        Assert.True(DateTimeOffset.TryParse((string)train["updated"]!, out _));
        var stale = runs.Single(r => (string)r!["id"]! == "pipe/pretrain")!;
        Assert.Equal("unknown", (string)stale["state"]!); // no "finished", nothing written for an hour, no train.lock
        var pipe = runs.Single(r => (string)r!["id"]! == "pipe")!;
        Assert.Equal(("pipeline", "demo", "running", 3, 1), ((string)pipe["kind"]!, (string)pipe["name"]!, (string)pipe["state"]!, (int)pipe["steps"]!, (int)pipe["last_step"]!));
    }

    [Fact]
    public async Task Metrics_EveryNumericKeyIsASeries_NestedOnesByDomain()
    {
        var m = await _dash.GetJsonAsync("/api/runs/train/metrics");
        Assert.Equal("train", (string)m["id"]!);
        Assert.Equal(30, (int)m["steps"]!);
        Assert.Equal(new FileInfo(Path.Combine(_runs.Path, "train/metrics.jsonl")).Length, (long)m["offset"]!);
        var series = m["series"]!.AsObject();
        foreach (var name in new[] { "loss", "lr", "grad_norm", "mfu", "tokens_per_s", "tokens", "memory_mb", "domain_loss/ja", "domain_loss/en", "val_loss/ja" })
            Assert.True(series.ContainsKey(name), $"series '{name}' missing; got {string.Join(", ", series.Select(s => s.Key))}");
        Assert.False(series.ContainsKey("time"));
        Assert.False(series.ContainsKey("step"));
        Assert.Equal(Enumerable.Range(1, 30), series["loss"]!["x"]!.AsArray().Select(x => (int)x!));
        Assert.Equal(8.0 / Math.Sqrt(4), (double)series["loss"]!["y"]![3]!, 5);
        Assert.Equal([10, 20, 30], series["val_loss/ja"]!["x"]!.AsArray().Select(x => (int)x!)); // held-out loss only where logged
        var stage = Assert.Single(m["stages"]!.AsArray());
        Assert.Equal(("main", 1, 30), ((string)stage!["name"]!, (int)stage["from"]!, (int)stage["to"]!));
    }

    [Fact]
    public async Task Metrics_SeriesParameter_KeepsOnlyTheNamedSeriesAndGroups()
    {
        var m = await _dash.GetJsonAsync("/api/runs/train/metrics?series=loss,domain_loss&points=10");
        Assert.Equal(["domain_loss/en", "domain_loss/ja", "loss"], m["series"]!.AsObject().Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Equal(10, m["series"]!["loss"]!["x"]!.AsArray().Count);
        Assert.Equal(30, (int)m["steps"]!); // the counts still describe the whole run
    }

    [Theory]
    [InlineData("finished", 600, false, "finished")]
    [InlineData("diverged", 1, false, "failed")]
    [InlineData("stopped", 1, false, "failed")]
    [InlineData("start", 10, false, "running")]      // wrote 10 s ago
    [InlineData("resume", 600, true, "running")]     // quiet for 10 min, but the trainer holds train.lock
    [InlineData("start", 600, false, "unknown")]     // quiet, no lock: killed, or a very slow step
    [InlineData("start", 7200, true, "unknown")]     // a lock left two hours ago
    public void State_FromTheLastLifecycleEvent_TheLockAndTheLastWrite(string lastEvent, int secondsIdle, bool locked, string expected)
    {
        var now = DateTime.UtcNow;
        var events = new[] { RunsFolder.EventLine("start", 0, ""), RunsFolder.EventLine("checkpoint", 5, ""), RunsFolder.EventLine(lastEvent, 9, "") }
            .Select(l => System.Text.Encoding.UTF8.GetBytes(l.TrimEnd())).ToList();
        Assert.Equal(expected, RunState.Judge(events, now.AddSeconds(-secondsIdle), locked, now));
    }

    [Fact]
    public async Task EventsAndSamples_AreTheFilesLinesAsArrays()
    {
        var events = (await _dash.GetJsonAsync("/api/runs/train/events")).AsArray();
        Assert.Equal(["start", "spike", "checkpoint", "finished"], events.Select(e => (string)e!["event"]!));
        var sample = Assert.Single((await _dash.GetJsonAsync("/api/runs/train/samples")).AsArray())!;
        Assert.Equal(("東京", 30), ((string)sample["answer"]!, (int)sample["step"]!));
        Assert.Empty((await _dash.GetJsonAsync("/api/runs/pipe/pretrain/samples")).AsArray()); // no samples.jsonl: an empty list
    }

    [Fact]
    public async Task Evals_GroupsResultsByTheParentOfTheirFolder_SkipsOtherJson()
    {
        var groups = (await _dash.GetJsonAsync("/api/evals")).AsArray();
        Assert.Equal(["eval", "train/eval"], groups.Select(g => (string)g!["group"]!));
        var results = groups[0]!["results"]!.AsArray();
        Assert.Equal(["eval/trained/tasks.json", "eval/untrained/tasks.json"], results.Select(r => (string)r!["file"]!));
        Assert.Equal(["trained", "untrained"], results.Select(r => (string)r!["model"]!));
        Assert.Equal(0.6, (double)results[0]!["metrics"]!["mc_ja/acc"]!);
        Assert.Equal("tasks", (string)results[0]!["kind"]!);
        Assert.Null(results[0]!["details"]); // the per-sample audit trail is not shipped to the page
    }

    [Fact]
    public async Task Pipeline_IsTheStateFile_PlusEachStagesRunId()
    {
        var p = await _dash.GetJsonAsync("/api/pipelines/pipe");
        Assert.Equal(("demo", "/abs/pipeline.yaml"), ((string)p["name"]!, (string)p["config"]!));
        var stages = p["stages"]!.AsArray();
        Assert.Equal(["done", "running", "pending"], stages.Select(s => (string)s!["state"]!));
        Assert.Equal([null, "pipe/pretrain", null], stages.Select(s => (string?)s!["run"])); // tokenizer/ and sft/ are not runs
    }

    [Fact]
    public async Task RunsPointingAtOneRunOrPipeline_ListsItAsDot_AndServesItWithoutAnIdSegment()
    {
        await using var one = await TestDashboard.StartAsync(Path.Combine(_runs.Path, "train"));
        var run = Assert.Single((await one.GetJsonAsync("/api/runs")).AsArray())!;
        Assert.Equal((".", "train"), ((string)run["id"]!, (string)run["name"]!));
        Assert.Equal(30, (int)(await one.GetJsonAsync("/api/runs/metrics"))["steps"]!);
        Assert.Equal(4, (await one.GetJsonAsync("/api/runs/events")).AsArray().Count);

        await using var pipeline = await TestDashboard.StartAsync(Path.Combine(_runs.Path, "pipe"));
        Assert.Equal(".", (string)(await pipeline.GetJsonAsync("/api/runs"))[0]!["id"]!);
        var stages = (await pipeline.GetJsonAsync("/api/pipelines/"))["stages"]!.AsArray();
        Assert.Equal("pretrain", (string?)stages[1]!["run"]); // ids are relative to this --runs
    }

    [Theory]
    [InlineData("/api/runs/nope/metrics", 404)]
    [InlineData("/api/runs/train/nothing", 404)]
    [InlineData("/api/runs/train/metrics?points=1", 400)]
    [InlineData("/api/runs/train/metrics?points=abc", 400)]
    [InlineData("/api/pipelines/train", 404)]
    [InlineData("/no/such/page", 404)]
    public async Task BadRequests_GetJsonErrors(string path, int status)
    {
        using var response = await _dash.Http.GetAsync(_dash.BaseUrl + path);
        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.False(string.IsNullOrEmpty((string)error["message"]!));
        Assert.False(string.IsNullOrEmpty((string)error["type"]!));
    }

    [Fact]
    public async Task AnythingButGet_Is405()
    {
        using var response = await _dash.Http.PostAsync(_dash.BaseUrl + "/api/runs", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("read-only", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Page_AndItsAssets_AreServedFromTheBinary_WithNoExternalUrl()
    {
        var html = await _dash.Http.GetStringAsync(_dash.BaseUrl + "/");
        Assert.Contains("assets/app.js", html);
        foreach (var asset in new[] { "app.js", "app.css" })
        {
            using var response = await _dash.Http.GetAsync(_dash.BaseUrl + "/assets/" + asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("https://", text.Replace("http://www.w3.org/2000/svg", ""));
            Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/2000/svg", ""));
        }
        Assert.DoesNotContain("http", html);
    }
}
