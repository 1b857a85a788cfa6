using System.Text.Json;
using Tsumugi.Testing.Browser;

namespace Tsumugi.Dashboard.Tests;

/// <summary>
/// What a demo pipeline leaves under --runs, written by the test (the files and fields of a real demo run, see
/// <see cref="RunsFixture"/>), served by an in-process dashboard on a free loopback port: pipeline "demo" with a finished
/// pretraining run that crashed once and resumed (steps after the checkpoint logged twice), an SFT run still writing,
/// and tasks evals of the trained and the untrained model in one group.
/// </summary>
public sealed class BrowserDemo : IAsyncDisposable
{
    public const int PretrainSteps = 120;
    public const int ResumeFrom = 60;
    public const int SftPlanned = 200;
    public const int SftWritten = 40;

    /// <summary>The pipeline's stages as state.json records them: one done before training, training done, SFT running, eval to come.</summary>
    public static readonly RunsFixture.Stage[] Stages =
    [
        new("tokenizer", "tokenizer", "done", Seconds: 4.2),
        new("pretrain", "train", "done", Seconds: 33.9),
        new("sft", "sft", "running"),
        new("eval", "eval", "pending"),
    ];

    /// <summary>The two models of the eval group demo/eval, by folder.</summary>
    public static readonly (string Folder, string Model)[] EvalModels = [("trained", "model"), ("untrained", "untrained")];

    readonly TempDirectory _runs;

    BrowserDemo(TempDirectory runs, TestDashboard dashboard) => (_runs, Dashboard) = (runs, dashboard);

    public TestDashboard Dashboard { get; }

    /// <summary>The page's address, ending in "/".</summary>
    public string Url => Dashboard.BaseUrl.TrimEnd('/') + "/";

    public string Pipeline => Path.Combine(_runs, "demo");
    public string Pretrain => Path.Combine(Pipeline, "pretrain");
    public string Sft => Path.Combine(Pipeline, "sft");

    public static async Task<BrowserDemo> StartAsync(string? token = null)
    {
        var runs = new TempDirectory("tsumugi-dashboard-browser");
        var pipeline = Path.Combine(runs, "demo");
        var now = DateTimeOffset.UtcNow;
        RunsFixture.WritePipeline(pipeline, "demo", now, Stages);
        RunsFixture.WriteTrainingRun(Path.Combine(pipeline, "pretrain"), PretrainSteps, resumeFrom: ResumeFrom);
        RunsFixture.WriteTrainingRun(Path.Combine(pipeline, "sft"), SftWritten, SftPlanned, sft: true);
        for (var i = 0; i < EvalModels.Length; i++)
            RunsFixture.WriteEval(Path.Combine(pipeline, "eval", EvalModels[i].Folder, "tasks.json"), EvalModels[i].Model, quality: 1 - i * 0.8, now.AddSeconds(i));
        try { return new BrowserDemo(runs, await TestDashboard.StartAsync(runs, token)); }
        catch
        {
            runs.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What a metrics.jsonl holds, read independently of the dashboard: the last step, and per chart the points its series
    /// should draw — every numeric field a series (nested objects give "field/key", charted under "field"), one point per
    /// step that has it (a resumed run logs some steps twice: the later line wins), an unterminated last line left out.
    /// </summary>
    public static (int LastStep, SortedDictionary<string, int> PointsPerChart) Logged(string runDirectory)
    {
        var text = File.ReadAllText(Path.Combine(runDirectory, "metrics.jsonl"));
        var byStep = new SortedDictionary<int, List<string>>();
        foreach (var line in text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var root = JsonDocument.Parse(line).RootElement;
            var names = new List<string>();
            foreach (var field in root.EnumerateObject())
            {
                if (field.Name is "step" or "time") continue;
                if (field.Value.ValueKind == JsonValueKind.Number) names.Add(field.Name);
                else if (field.Value.ValueKind == JsonValueKind.Object)
                    names.AddRange(field.Value.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).Select(p => field.Name + "/" + p.Name));
            }
            byStep[root.GetProperty("step").GetInt32()] = names;
        }
        var perChart = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in byStep.Values.SelectMany(n => n))
        {
            var chart = name.Split('/')[0];
            perChart[chart] = perChart.GetValueOrDefault(chart) + 1;
        }
        return (byStep.Keys.Max(), perChart);
    }

    /// <summary>Every chart on the page: data-chart → data-points.</summary>
    public static async Task<SortedDictionary<string, int>> ChartPointsAsync(BrowserPage page) =>
        new(await page.EvaluateAsync<Dictionary<string, int>>(
            "Object.fromEntries([...document.querySelectorAll('div.chart[data-chart]')].map(c => [c.dataset.chart, +c.dataset.points]))"),
            StringComparer.Ordinal);

    /// <summary>The loss chart's data-last-step.</summary>
    public static async Task<int> LossLastStepAsync(BrowserPage page) =>
        await page.EvaluateAsync<int>("+document.querySelector('div.chart[data-chart=loss]').dataset.lastStep");

    /// <summary>
    /// Loads <paramref name="url"/> afresh (through about:blank, so a hash-only change reloads too), expects HTTP 200 and
    /// waits for the page's first render with data (body[data-ready]); a view that rendered an error fails with its text.
    /// </summary>
    public static async Task OpenAsync(BrowserPage page, string url)
    {
        await page.NavigateAsync("about:blank");
        var status = await page.NavigateAsync(url, TimeSpan.FromSeconds(30));
        Assert.True(status == 200, $"{url}: HTTP {status}");
        await page.WaitUntilAsync("document.body.dataset.ready === '1'", TimeSpan.FromSeconds(30));
        var error = await page.EvaluateAsync("document.querySelector('.error')?.textContent ?? null");
        Assert.True(error.ValueKind == JsonValueKind.Null, $"{url} rendered an error: {error}");
    }

    /// <summary>An artefact path under the test output folder (TestResults/dashboard/NAME), for CI to keep.</summary>
    public static string Artefact(string name) => Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard", name);

    public async ValueTask DisposeAsync()
    {
        await Dashboard.DisposeAsync();
        _runs.Dispose();
    }
}
