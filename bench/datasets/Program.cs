// Sampler throughput on a synthetic Megatron dataset: can the loader keep up with a training step?
// Usage: dotnet run -c Release --project bench/datasets --artifacts-path /tmp/art-data -- [tokens=100000000] [dir=/tmp/tsumugi-bench-data] [rounds=5]
using System.Diagnostics;
using System.Globalization;
using Tsumugi.Common;
using Tsumugi.Datasets;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Datasets.Sampling;

if (args.Length == 2 && args[0] == "--interop-fixtures")
{
    // Small datasets written by our writer, for bench/datasets/interop/megatron_interop.py to read with numpy.
    var outDir = args[1];
    Directory.CreateDirectory(outDir);
    int[][] docs = [[5, 6, 7], [], [31_999, 1, 2, 3], [42]];
    foreach (var (name, vocab) in new[] { ("ours_uint16", 32_000), ("ours_int32", 150_000) })
    {
        using var w = new IndexedDatasetWriter(Path.Combine(outDir, name), new IndexedDatasetWriterOptions { VocabularySize = vocab, EosId = 0, WriteManifest = false });
        foreach (var d in docs) w.Add(d.Select(t => vocab > 65_500 && t > 30_000 ? t + 100_000 : t).ToArray());
        w.Complete();
    }
    return;
}

var totalTokens = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 100_000_000;
var dir = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "tsumugi-bench-data");
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
Directory.CreateDirectory(dir);
var prefix = Path.Combine(dir, "synthetic");

Console.WriteLine($"# Tsumugi.Datasets sampler benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}");

// Documents with a long-tailed (log-normal) length distribution, median ~400 tokens, like web text.
var write = Stopwatch.StartNew();
var random = new Random(1);
long written = 0;
using (var writer = new IndexedDatasetWriter(prefix, new IndexedDatasetWriterOptions { VocabularySize = 32_000, EosId = 2, Domain = "synthetic" }))
{
    var buffer = new int[200_000];
    while (written < totalTokens)
    {
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var length = (int)Math.Clamp(Math.Exp(6.0 + 1.0 * normal), 8, buffer.Length);
        for (var i = 0; i < length; i++) buffer[i] = random.Next(3, 32_000);
        writer.Add(buffer.AsSpan(0, length));
        written += length + 1;
    }
    writer.Complete();
}
write.Stop();
using var dataset = IndexedDataset.Open(prefix);
Console.WriteLine($"dataset: {dataset.TokenCount:N0} tokens, {dataset.DocumentCount:N0} documents, {dataset.DType}; written in {write.Elapsed.TotalSeconds:0.0} s ({dataset.TokenCount / write.Elapsed.TotalSeconds / 1e6:0.0} M tokens/s incl. generation)");

var open = Stopwatch.StartNew();
for (var i = 0; i < 5; i++) IndexedDataset.Open(prefix).Dispose();
Console.WriteLine($"open + validate index: {open.Elapsed.TotalMilliseconds / 5:0.0} ms");
Console.WriteLine();
Console.WriteLine("| sampler | seq_length | batch | epoch index build (s) | padding | sequences/s (median) | tokens/s (median) | ms per batch | batches per 100 ms step |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");

foreach (var (mode, seqLength, batch) in new[] { (PackingMode.Concat, 256, 8), (PackingMode.BestFit, 256, 8), (PackingMode.Concat, 2048, 8), (PackingMode.BestFit, 2048, 8) })
{
    var options = new SamplerOptions { SequenceLength = seqLength, Seed = 1234, Packing = mode };
    var build = Stopwatch.StartNew();
    var source = SampleSources.Create(dataset, options, "synthetic", 0);
    source.GetSample(0); // builds epoch 0's index
    build.Stop();
    var padding = source is BestFitSource bf ? bf.PaddingFraction : 0;
    var sampler = new CurriculumSampler([source], [new SamplerStage("all", long.MaxValue / 4, [1.0])]);
    var rates = new List<double>();
    var batches = Math.Max(200, (int)(20_000_000 / (seqLength * batch)));
    for (var r = 0; r < rounds; r++)
    {
        var sw = Stopwatch.StartNew();
        long checksum = 0;
        for (var b = 0; b < batches; b++) checksum += sampler.NextBatch(batch).Tokens[^1];
        sw.Stop();
        rates.Add(batches * batch / sw.Elapsed.TotalSeconds);
        if (checksum == long.MinValue) Console.WriteLine(); // keeps the loop from being optimised away
    }
    rates.Sort();
    var median = rates[rates.Count / 2];
    var msPerBatch = batch / median * 1000;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {mode} | {seqLength} | {batch} | {build.Elapsed.TotalSeconds:0.00} | {padding:P2} | {median:N0} | {median * seqLength / 1e6:0.0} M | {msPerBatch:0.000} | {100 / msPerBatch:N0} |"));
}

// A four-stage plan over five copies of the dataset, to time the preflight (plan computation incl. blend replay).
Console.WriteLine();
var yaml = string.Join('\n',
    "datasets:",
    string.Join('\n', new[] { "a", "b", "c", "d", "e" }.Select(n => $"  {n}: {{path: {prefix}, max_epochs: 10}}")),
    "stages:",
    $"  - {{name: s1, tokens: {totalTokens * 2}, mixture: {{a: 0.7, b: 0.3}}}}",
    $"  - {{name: s2, tokens: {totalTokens * 2}, mixture: {{a: 0.4, b: 0.2, c: 0.2, d: 0.2}}}}",
    $"  - {{name: s3, tokens: {totalTokens * 2}, mixture: {{a: 0.3, b: 0.1, c: 0.3, d: 0.3}}}}",
    $"  - {{name: s4, tokens: {totalTokens}, mixture: {{e: 0.8, a: 0.2}}}}");
var planTime = Stopwatch.StartNew();
using (var plan = DataPlan.Create(CurriculumConfig.Parse(yaml, "bench.yaml", dir), 2048, 1234))
{
    planTime.Stop();
    Console.WriteLine($"preflight of a 4-stage, 5-dataset plan ({TokenCounts.Format(plan.TotalTokens)} tokens, seq 2048): {planTime.Elapsed.TotalSeconds:0.00} s");
    // The same plan's blended, staged stream (weights re-evaluated per row, five sources' epoch indices).
    var sampler = plan.CreateSampler();
    var rates = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        var sw = Stopwatch.StartNew();
        for (var b = 0; b < 1500; b++) sampler.NextBatch(8);
        rates.Add(1500 * 8 / sw.Elapsed.TotalSeconds);
    }
    rates.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"curriculum mixture stream (5 datasets, seq 2048, batch 8): {rates[rates.Count / 2]:N0} sequences/s, {rates[rates.Count / 2] * 2048 / 1e6:0.0} M tokens/s (median of {rounds}; includes epoch index builds)"));
    Console.WriteLine();
    Console.WriteLine("```");
    Console.Write(plan.ToText());
    Console.WriteLine("```");
}
