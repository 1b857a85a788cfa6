using System.Diagnostics;
using TorchSharp;
using Tsumugi.Evaluation.Scoring;
using Tsumugi.Modeling;

namespace Tsumugi.Bench;

/// <summary>
/// Batched vs unbatched scoring (what `eval tasks` and `eval perplexity` run), in process, alternating rounds:
/// multiple choice (questions × choices after one few-shot prompt; shared prefixes computed once when batched) and
/// perplexity-style windows (independent rows of one length; `SCORING_TEXT=FILE` with a model directory for PRESET takes
/// them from a real text) and short independent rows. Wall and process CPU seconds per configuration, medians,
/// ratios. Random weights and ids: the speed does not depend on them; the results are checked equal to 1e-4.
/// </summary>
public static class ScoringBenchmark
{
    const int Questions = 24, Choices = 4, FewShotTokens = 200, QuestionTokens = 40, ChoiceTokens = 6;
    const int Windows = 24, WindowTokens = 256, ShortTokens = 48;

    public static int Run(int rounds, string preset, int threads)
    {
        CpuAllocator.Tune();
        if (threads > 0) torch.set_num_threads(threads); // 1 thread: CPU seconds stay honest on a loaded machine (no spinning workers)
        using var model = Directory.Exists(preset) ? HfModelDirectory.Load(preset) : new LlamaForCausalLM(ModelPresets.Get(preset));
        if (!Directory.Exists(preset)) model.InitializeWeights(1);
        model.eval();
        var rng = new Random(1);
        int vocab = (int)model.Config.VocabSize;
        long[] Ids(int n) => Enumerable.Range(0, n).Select(_ => (long)rng.Next(3, vocab)).ToArray();
        var shots = Ids(FewShotTokens);
        var choiceRows = new List<ScoreRequest>();
        for (int q = 0; q < Questions; q++)
        {
            long[] context = [1, .. shots, .. Ids(QuestionTokens)];
            for (int c = 0; c < Choices; c++) choiceRows.Add(new ScoreRequest([.. context, .. Ids(ChoiceTokens)], context.Length));
        }
        var windows = Enumerable.Range(0, Windows).Select(_ => new ScoreRequest([1, .. Ids(WindowTokens - 1)], 1)).ToList();
        if (Environment.GetEnvironmentVariable("SCORING_TEXT") is { } textFile) // windows of a real text, as `eval perplexity` makes them
        {
            var tok = Tsumugi.Tokenization.HuggingFace.TokenizerDirectory.LoadForModel(preset);
            long[] ids = [tok.BosId, .. tok.Encode(File.ReadAllText(textFile)).Select(i => (long)i)];
            windows = Tsumugi.Evaluation.Perplexity.SlidingWindows.Split(ids, WindowTokens, WindowTokens / 2).ToList();
        }
        var shortRows = Enumerable.Range(0, 4 * Windows).Select(_ => new ScoreRequest([1, .. Ids(ShortTokens - 1)], 1)).ToList();
        var cases = new (string Name, List<ScoreRequest> Rows, int Batch)[]
        {
            ("multiple choice", choiceRows, 1), ("multiple choice", choiceRows, 8),
            ($"windows of {WindowTokens}", windows, 1), ($"windows of {WindowTokens}", windows, 8),
            ($"rows of {ShortTokens}", shortRows, 1), ($"rows of {ShortTokens}", shortRows, 8),
        };
        var reference = cases.ToDictionary(c => c, c => BatchScorer.Score(model, c.Rows, c.Batch)); // warm-up and the equality check
        foreach (var name in cases.Select(c => c.Name).Distinct())
        {
            var (one, eight) = (reference[cases.First(c => c.Name == name && c.Batch == 1)], reference[cases.First(c => c.Name == name && c.Batch == 8)]);
            double worst = one.Zip(eight).SelectMany(p => p.First.Zip(p.Second, (a, b) => Math.Abs(a - b))).Max();
            if (worst > 1e-4) throw new InvalidOperationException($"{name}: batched and unbatched log-probabilities differ by {worst}");
            Console.Error.WriteLine($"{name}: batched = unbatched within {worst:E1}");
        }
        var wall = cases.ToDictionary(c => c, _ => new List<double>());
        var cpu = cases.ToDictionary(c => c, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
            foreach (var c in cases)
            {
                var process = Process.GetCurrentProcess();
                var cpu0 = process.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                BatchScorer.Score(model, c.Rows, c.Batch);
                wall[c].Add(sw.Elapsed.TotalSeconds);
                process.Refresh();
                cpu[c].Add((process.TotalProcessorTime - cpu0).TotalSeconds);
                Console.Error.WriteLine($"round {round + 1}: {c.Name}, batch {c.Batch}: {wall[c][^1]:F2} s wall, {cpu[c][^1]:F2} s CPU");
            }
        Console.WriteLine($"{preset}, {torch.get_num_threads()} threads; multiple choice = {Questions} questions × {Choices} choices, " +
                          $"{FewShotTokens}-token few-shot prompt + {QuestionTokens}-token question + {ChoiceTokens}-token choices");
        Console.WriteLine("| rows | tokens | batch 1 wall / CPU s | batch 8 wall / CPU s | speed-up wall / CPU |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var name in cases.Select(c => c.Name).Distinct())
        {
            var (one, eight) = (cases.First(c => c.Name == name && c.Batch == 1), cases.First(c => c.Name == name && c.Batch == 8));
            double w1 = Measure.Median(wall[one]), w8 = Measure.Median(wall[eight]), c1 = Measure.Median(cpu[one]), c8 = Measure.Median(cpu[eight]);
            Console.WriteLine($"| {name} | {one.Rows.Sum(r => r.Ids.Length):N0} | {w1:F2} / {c1:F2} | {w8:F2} / {c8:F2} | {w1 / w8:F2}× / {c1 / c8:F2}× |");
        }
        return 0;
    }
}
