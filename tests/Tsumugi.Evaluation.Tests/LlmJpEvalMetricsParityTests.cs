using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Evaluation.Metrics;

namespace Tsumugi.Evaluation.Tests;

/// <summary>
/// Every generation metric against python/llm_jp_eval_metrics.py, an independent computation with the real MeCab +
/// IPADIC (python3-mecab), fuzzywuzzy and scipy and written-out sacrebleu / rouge_score formulas, over Japanese and
/// English pairs with the edge cases (empty prediction, no n-gram match, short hypotheses, constant and tied STS
/// predictions). Scores must agree to 1e-6 and tokens exactly. Needs scripts/install-test-deps.sh (Debian packages).
/// </summary>
public sealed class LlmJpEvalMetricsParityTests
{
    static readonly Lazy<JsonElement> Reference = new(RunScript);

    [Fact]
    public void PerSampleScoresEqualThePythonRecomputation()
    {
        int compared = 0;
        foreach (var c in Reference.Value.GetProperty("cases").EnumerateArray())
        {
            var (prediction, gold) = (c.GetProperty("prediction").GetString()!, c.GetProperty("gold").GetString()!);
            foreach (var score in c.GetProperty("scores").EnumerateObject())
            {
                var ours = GenerationMetrics.Score(score.Name, prediction, gold);
                Assert.True(Math.Abs(ours - score.Value.GetDouble()) <= 1e-6,
                    $"{score.Name}('{prediction}', '{gold}'): Tsumugi {ours}, Python {score.Value.GetDouble()}");
                compared++;
            }
        }
        Assert.True(compared >= 75, $"only {compared} scores compared");
    }

    [Fact]
    public void TokensEqualMeCabAndSacrebleu13a()
    {
        foreach (var c in Reference.Value.GetProperty("cases").EnumerateArray())
        {
            var prediction = c.GetProperty("prediction").GetString()!;
            if (c.TryGetProperty("tokens", out var ja))
                Assert.Equal(ja.EnumerateArray().Select(t => t.GetString()!), MetricTokenizer.Japanese(prediction));
            if (c.TryGetProperty("tokens13a", out var en))
                Assert.Equal(en.EnumerateArray().Select(t => t.GetString()!), MetricTokenizer.Thirteen(prediction));
        }
    }

    [Fact]
    public void TaskLevelCorrelationsEqualScipy()
    {
        foreach (var task in Reference.Value.GetProperty("tasks").EnumerateArray())
        {
            var predictions = task.GetProperty("predictions").EnumerateArray().Select(p => p.GetString()!).ToList();
            var golds = task.GetProperty("golds").EnumerateArray().Select(p => p.GetString()!).ToList();
            foreach (var score in task.GetProperty("scores").EnumerateObject())
                Assert.Equal(score.Value.GetDouble(), GenerationMetrics.ScoreTask(score.Name, predictions, golds), 1e-9);
        }
    }

    [Fact]
    public void TheDictionaryIsTheOnePythonUsed() =>
        Assert.EndsWith($"-IPA-{Reference.Value.GetProperty("dictionary_size").GetInt32()}", MeCabTagger.Signature);

    static JsonElement RunScript()
    {
        var script = Path.Combine(RepoPaths.Tests, "Tsumugi.Evaluation.Tests", "python", "llm_jp_eval_metrics.py");
        // Debian's python3-mecab and python3-scipy serve /usr/bin/python3, not a pyenv or venv python3 earlier on PATH.
        Process p;
        try
        {
            p = Process.Start(new ProcessStartInfo("/usr/bin/python3", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"/usr/bin/python3 not found ({e.Message}); run scripts/install-test-deps.sh");
        }
        using (p)
        {
            var error = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{script} failed (run scripts/install-test-deps.sh for mecab-ipadic-utf8, python3-mecab, python3-scipy, python3-fuzzywuzzy): {error.Result}");
            return JsonDocument.Parse(output).RootElement.Clone();
        }
    }
}
