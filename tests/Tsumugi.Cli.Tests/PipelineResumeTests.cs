using System.Diagnostics;
using System.Text;
using Tsumugi.Orchestration;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// `tsumugi pipeline run` on a tiny config of every kind of stage a user chains (clean → dedup → tokenizer → tokenize
/// → pretrain → SFT → GGUF): killed with SIGKILL during each stage in turn and rerun, it ends with the same files as a
/// run never interrupted; and a changed stage reruns with exactly the stages after it.
/// </summary>
[Collection("cli")]
public sealed class PipelineResumeTests : IDisposable
{
    readonly TempDirectory _dir = new("tsumugi-pipeline");
    public void Dispose() => _dir.Dispose();

    static readonly string[] StageNames = ["clean", "dedup", "tokenizer", "data", "pretrain", "sft", "gguf"];

    string WritePipeline()
    {
        string corpus = RepoPaths.SharedCorpus, configs = RepoPaths.Configs;
        var file = _dir.File("tiny-pipeline.yaml");
        File.WriteAllText(file, $"""
            name: tiny
            stages:
              clean: {"{"}kind: corpus-clean, config: {configs}/corpus-docs.yaml, input: [{corpus}/ja/debian-faq-ja, {corpus}/en/debian-faq]{"}"}
              dedup: {"{"}kind: corpus-dedup, input: clean{"}"}
              tokenizer: {"{"}kind: tokenizer-train, input: dedup, vocab_size: 2000{"}"}
              data: {"{"}kind: data-tokenize, input: dedup, tokenizer: tokenizer{"}"}
              pretrain:
                kind: train
                config: {configs}/tiny.yaml
                data: data
                tokenizer: tokenizer
                set: {"{"}model.vocab_size: "", train.max_steps: 16, schedule.warmup_steps: 2, checkpoint.interval: 4, eval.interval: 8, log.tensorboard: false{"}"}
              sft:
                kind: sft
                config: {configs}/sft-tiny.yaml
                model: pretrain
                set: {"{"}train.max_steps: 6, schedule.warmup_steps: 1, checkpoint.interval: 2, eval.interval: 0, log.tensorboard: false{"}"}
              gguf: {"{"}kind: export, model: sft, quant: q8_0{"}"}
            """);
        return file;
    }

    /// <summary>The files a pipeline exists to produce, by path relative to its output (timings and logs left out).</summary>
    static Dictionary<string, byte[]> Products(string output)
    {
        string[] patterns = ["dedup/*.jsonl.zst", "tokenizer/tokenizer.model", "data/*.bin", "data/*.idx", "pretrain/model/*.safetensors",
                             "sft/model/*.safetensors", "gguf/*.gguf"];
        return patterns.SelectMany(p => Directory.GetFiles(Path.Combine(output, Path.GetDirectoryName(p)!), Path.GetFileName(p)))
            .ToDictionary(f => Path.GetRelativePath(output, f), File.ReadAllBytes);
    }

    [Fact]
    public void KilledDuringEachStageInTurn_RerunsSkipWhatIsFinished_AndEndEqualToAnUninterruptedRun_AndAChangeRerunsOnlyWhatFollows()
    {
        var file = WritePipeline();
        var reference = _dir.File("reference");
        var (code, _, err) = SpectreOutput.Run("pipeline", "run", file, "--output", reference);
        Assert.True(code == 0, err);
        var expected = Products(reference);
        Assert.True(StageNames.All(s => s == "clean" || expected.Keys.Any(k => k.StartsWith(s + "/", StringComparison.Ordinal))), string.Join(", ", expected.Keys));

        var output = _dir.File("killed");
        var killedIn = new List<string>();
        var finished = new List<string>();
        var log = new StringBuilder();
        foreach (var target in StageNames)
        {
            log.Clear();
            using var p = SynthTestKit.Start(log, "pipeline", "run", file, "--output", output);
            var stage = WaitForRunning(output, target, p, log);
            if (stage is null) break; // the run finished before reaching it (every later stage is checked by then)
            p.Kill(); // SIGKILL: no handler runs
            p.WaitForExit();
            killedIn.Add(stage);
            foreach (var done in finished) // what the previous runs finished, this one stated it skipped
                Assert.True(log.ToString().Contains($"{done}: skipped", StringComparison.Ordinal), $"{done} was not skipped on the run killed in {stage}:\n{log}");
            finished = PipelineState.Load(output).Stages.Where(s => s.State == StageRecord.Done).Select(s => s.Name).ToList();
        }
        Assert.Contains("pretrain", killedIn);
        Assert.True(killedIn.Count >= 5, $"killed only in {string.Join(", ", killedIn)}");
        var final = SynthTestKit.Run(TimeSpan.FromMinutes(5), "pipeline", "run", file, "--output", output);
        Assert.True(final.ExitCode == 0, final.Output);
        Assert.Contains($"{killedIn[^1]} (", final.Output); // the stage killed last ran again …
        Assert.Contains("clean: skipped", final.Output);   // … and the first was not touched
        var actual = Products(output);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (path, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(actual[path]), $"{path} differs from the uninterrupted run's");
        Assert.True(PipelineState.Load(output).Find("pretrain")!.Resumed >= 1, "pretrain was never resumed from its checkpoint");

        // One stage's config changed: it and the stages after it run, the rest are skipped.
        var (changedCode, changedOut, changedErr) = SpectreOutput.Run("pipeline", "run", file, "--output", reference, "--set", "sft.set.train.max_steps=4");
        Assert.True(changedCode == 0, changedErr);
        foreach (var skipped in new[] { "clean", "dedup", "tokenizer", "data", "pretrain" }) Assert.Contains($"{skipped}: skipped", changedOut);
        foreach (var rerun in new[] { "sft", "gguf" }) Assert.Contains($"{rerun} ({(rerun == "sft" ? "sft" : "export")}): rerun", changedOut);
        Assert.Equal(expected["pretrain/model/model.safetensors"], File.ReadAllBytes(Path.Combine(reference, "pretrain", "model", "model.safetensors")));
        Assert.NotEqual(expected["sft/model/model.safetensors"], File.ReadAllBytes(Path.Combine(reference, "sft", "model", "model.safetensors")));
    }

    /// <summary>
    /// Waits until the run is inside <paramref name="target"/> or a later stage (for a trainer: until it wrote its first
    /// checkpoint, so the rerun has something to resume from) and returns the stage it is in, or null if it finished.
    /// </summary>
    static string? WaitForRunning(string output, string target, Process p, StringBuilder log)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (p.HasExited) return null;
            var running = TryState(output)?.Stages.FirstOrDefault(s => s.State == StageRecord.Running)?.Name;
            if (running is not null && Array.IndexOf(StageNames, running) >= Array.IndexOf(StageNames, target))
            {
                if (running is not ("pretrain" or "sft")) return running;
                var checkpoints = Path.Combine(output, running, "checkpoints");
                if (Directory.Exists(checkpoints) && Directory.GetDirectories(checkpoints, "step-*").Length > 0) return running;
            }
            Thread.Sleep(10);
        }
        throw new TimeoutException($"the pipeline never reached {target}:\n{log}");
    }

    static PipelineState? TryState(string output)
    {
        try { return PipelineState.Load(output); }
        catch (Exception e) when (e is IOException or InvalidDataException) { return null; }
    }
}
