// The dashboard's first paint and payload (issue 24), driven by bench/dashboard/first_paint.sh:
//   generate DIR [--runs 10] [--steps 10000]     training runs run-00.. in DIR, 10k realistic metrics lines each
//   measure URL [--rounds 5] [--token T]         headless Chromium loads the run list, one run and the compare view of
//                                                every run, alternating, ROUNDS fresh page loads each (after a
//                                                first load each, shown apart); prints medians and the payload per chart
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Testing.Browser;

var inv = CultureInfo.InvariantCulture;
string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

switch (args.FirstOrDefault())
{
    case "generate" when args.Length >= 2:
    {
        var runs = int.Parse(Option("--runs", "10"), inv);
        var steps = int.Parse(Option("--steps", "10000"), inv);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
            // One held-out evaluation every 250 steps, each run with its own noise on the shared trend.
            RunsFixture.WriteTrainingRun(Path.Combine(args[1], $"run-{i:00}"), steps, validationEvery: 250, seed: 17 + i);
        var bytes = Directory.EnumerateFiles(args[1], "metrics.jsonl", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"wrote {runs} runs × {steps:N0} steps ({bytes / 1e6:0.0} MB of metrics.jsonl) in {clock.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
    case "measure" when args.Length >= 2:
        return await Measure(args[1].TrimEnd('/') + "/", int.Parse(Option("--rounds", "5"), inv), Option("--token", ""));
    default:
        Console.Error.WriteLine("usage: Tsumugi.Dashboard.Bench generate DIR [--runs 10] [--steps 10000] | measure URL [--rounds 5] [--token T]");
        return 2;
}

static async Task<int> Measure(string baseUrl, int rounds, string token)
{
    var query = token.Length == 0 ? "" : "?token=" + Uri.EscapeDataString(token);
    using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
    var runs = JsonNode.Parse(await http.GetStringAsync("api/runs" + query))!.AsArray()
        .Where(r => r!["kind"]!.GetValue<string>() == "run").Select(r => r!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();
    if (runs.Length == 0) { Console.Error.WriteLine($"{baseUrl}api/runs lists no training run: generate them first"); return 1; }

    string[] views = ["#/", $"#/run/{runs[0]}", $"#/compare/{string.Join(',', runs)}"];
    string[] names = ["run list", "one run", $"compare {runs.Length} runs"];
    var paint = views.Select(_ => new List<double>()).ToArray();
    var wall = views.Select(_ => new List<double>()).ToArray();
    var drawn = new string[views.Length];
    var cold = new double[views.Length];
    var fetched = views.Select(_ => new List<double>()).ToArray();
    await using var browser = await HeadlessChromium.LaunchAsync();
    var page = await browser.NewPageAsync();
    for (var round = 0; round <= rounds; round++) // round 0 warms the server's caches, the JIT and the browser's: shown apart
        for (var v = 0; v < views.Length; v++)
        {
            await page.NavigateAsync("about:blank"); // a hash-only change would not load the page again
            var clock = Stopwatch.StartNew();
            var status = await page.NavigateAsync(baseUrl + query + views[v], TimeSpan.FromSeconds(60));
            if (status != 200) { Console.Error.WriteLine($"{baseUrl}{views[v]}: HTTP {status}"); return 1; }
            await page.WaitUntilAsync("document.body.dataset.ready === '1'", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(5));
            var elapsed = clock.Elapsed.TotalMilliseconds;
            var firstPaint = (await page.EvaluateAsync("window.tsumugiFirstPaintMs")).GetDouble();
            var bytes = page.BytesReceived;
            drawn[v] = (await page.EvaluateAsync(
                "[...document.querySelectorAll('[data-chart]')].map(c => c.dataset.chart + ' ' + c.dataset.points).join(', ')")).GetString() ?? "";
            Console.WriteLine($"round {round}{(round == 0 ? " (first load)" : "")} {names[v]}: first paint {firstPaint:0} ms, navigation→ready {elapsed:0} ms, {bytes:N0} bytes fetched");
            if (round == 0) { cold[v] = firstPaint; continue; }
            paint[v].Add(firstPaint);
            wall[v].Add(elapsed);
            fetched[v].Add(bytes);
        }

    // The payload a chart costs: the metrics response of one run, cut into the charts the page draws from it (series
    // "domain_loss/ja" belongs to chart domain_loss). Fetched after the page loads, so their first loads found no cache warm.
    var response = await http.GetByteArrayAsync($"api/runs/{runs[0]}/metrics{query}");
    var series = JsonNode.Parse(response)!["series"]!.AsObject();
    var charts = series.GroupBy(s => s.Key.Split('/')[0])
        .Select(g => (Chart: g.Key, Series: g.Count(), Points: g.Sum(s => s.Value!["x"]!.AsArray().Count),
            Bytes: Encoding.UTF8.GetByteCount(new JsonObject(g.Select(s => KeyValuePair.Create(s.Key, s.Value?.DeepClone()))).ToJsonString())))
        .OrderByDescending(c => c.Bytes).ToList();

    Console.WriteLine();
    Console.WriteLine($"{runs.Length} runs, {Environment.ProcessorCount} cpus, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, medians of {rounds} loads per view");
    Console.WriteLine("| view | first paint ms (median) | min–max | navigation→ready ms (median) | first load: first paint ms | bytes fetched (median) | points drawn per chart |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
    for (var v = 0; v < views.Length; v++)
        Console.WriteLine($"| {names[v]} | {Median(paint[v]):0} | {paint[v].Min():0}–{paint[v].Max():0} | {Median(wall[v]):0} | {cold[v]:0} | {Median(fetched[v]):N0} | {(drawn[v].Length == 0 ? "–" : drawn[v])} |");
    Console.WriteLine();
    Console.WriteLine($"/api/runs/{runs[0]}/metrics: {response.Length:N0} bytes for {JsonNode.Parse(response)!["steps"]} steps; per chart:");
    Console.WriteLine("| chart | series | points | bytes |");
    Console.WriteLine("|---|---:|---:|---:|");
    foreach (var c in charts) Console.WriteLine($"| {c.Chart} | {c.Series} | {c.Points:N0} | {c.Bytes:N0} |");
    var slowest = Math.Max(paint.Max(Median), cold.Max());
    var largest = charts.Max(c => c.Bytes);
    Console.WriteLine();
    Console.WriteLine($"first paint, slowest of the views' medians and first loads: {slowest:0} ms (target < 1000 ms: {(slowest < 1000 ? "met" : "MISSED")})");
    Console.WriteLine($"largest chart payload: {largest:N0} bytes (target < 1 MB: {(largest < 1_000_000 ? "met" : "MISSED")}); whole response {response.Length:N0} bytes");
    return 0;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
