using Tsumugi.Datasets.Sampling;
using Tsumugi.Modeling;
using Tsumugi.Training.Config;
using Tsumugi.Training.Dpo;
using Tsumugi.Training.Tests.Sft;
using static TorchSharp.torch;

namespace Tsumugi.Training.Tests.Dpo;

/// <summary>
/// What the preference loss is fed: each row's summed completion log-prob from one batched forward equals the same row
/// scored alone, and covers exactly the answer's tokens after the rendered prompt; the reference cache resumes a killed
/// pass to the same values and is recomputed for other rows.
/// </summary>
public sealed class DpoScoringTests : IDisposable
{
    readonly TempDirectory _temp = new();
    public void Dispose() => _temp.Dispose();

    static readonly List<string> Words = KanaTask.Words3To4(train: 24, heldOut: 0, seed: 4).Train;

    (DpoRunData Data, LlamaForCausalLM Model) Build()
    {
        var baseDir = TinyModelDirectory.Write(_temp.File("base"), KanaTask.Words, seed: 3, contextLength: 128);
        var pairs = _temp.File("pairs.jsonl");
        // Answers of different lengths, so rows in one batch carry different amounts of padding.
        PreferenceKanaTask.WriteJsonl(pairs, PreferenceKanaTask.Pairs(Words).Select((p, i) => p with { Chosen = p.Chosen + new string('ア', i % 5) }));
        var config = TrainConfig.Load(Path.Combine(RepoPaths.Configs, "dpo-tiny.yaml"),
            [$"model.from={baseDir}", $"data.paths=[{pairs}]", "data.validation_fraction=0", "train.seq_length=32", "train.micro_batch_size=8"], RunKind.Preference);
        var data = DpoDataBuilder.Build(config, 1024, 8, 8);
        return (data, HfModelDirectory.Load(baseDir, ScalarType.Float32));
    }

    [Fact]
    public void BatchedSummedLogProbs_EqualEachRowScoredAloneOverItsCompletionOnly()
    {
        var (data, model) = Build();
        using var _ = model;
        model.eval();
        using var noGrad = no_grad();
        var rows = data.Train.Take(8).ToList();
        var batch = new TrainingBatch(rows);
        var (ids, labels) = ReferenceLogProbs.Tensors(batch, CPU);
        var batched = SequenceLogProbs.Summed(model, ids, labels).data<float>().ToArray();
        Assert.True(rows.Select(r => r.PaddingLength).Distinct().Count() > 1, "the batch should mix lengths");

        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            var length = row.Tokens.Length - row.PaddingLength;
            var alone = row.Tokens.Take(length).Select(t => (long)t).ToArray();
            using var input = tensor(alone, [1, length]);
            using var scores = model.TokenLogProbs(input, input);
            var perToken = scores[0].data<float>().ToArray();
            // Labels mark the answer: every scored position lies after the prompt, and all of the answer is scored.
            var scored = Enumerable.Range(1, length - 1).Where(k => row.Labels[k] != SamplerOptions.IgnoreLabel).ToList();
            Assert.NotEmpty(scored);
            Assert.Equal(Enumerable.Range(scored[0], length - scored[0]), scored);
            var alonesum = scored.Sum(k => (double)perToken[k - 1]);
            Assert.Equal(alonesum, batched[r], 3);
        }
        // What is scored decodes to an answer (and its end of turn), never to any of the prompt.
        using var tokenizerModel = Generation.PretrainedModel.Load(_temp.File("base"));
        var answers = PreferenceKanaTask.Pairs(Words).SelectMany((p, i) => new[] { p.Chosen + new string('ア', i % 5), p.Rejected }).ToHashSet();
        foreach (var row in rows)
        {
            var scoredIds = Enumerable.Range(1, row.Tokens.Length - 1).Where(k => row.Labels[k] != SamplerOptions.IgnoreLabel).Select(k => row.Tokens[k]).ToList();
            var text = tokenizerModel.Tokenizer.Decode(scoredIds).Replace("</s>", "", StringComparison.Ordinal).Trim();
            Assert.Contains(text, answers);
        }
    }

    [Fact]
    public void ReferenceCache_KilledMidPass_ResumesToTheSameValuesAndIsRecomputedForOtherRows()
    {
        var (data, model) = Build();
        using var _ = model;
        var rows = data.AllRows;
        Directory.CreateDirectory(_temp.File("full"));
        var full = ReferenceLogProbs.LoadOrCompute(_temp.File("full"), data.Identity, rows, model, CPU, 4, TextWriter.Null);

        var run = _temp.File("killed");
        Directory.CreateDirectory(run);
        var path = Path.Combine(run, ReferenceLogProbs.FileName);
        File.Copy(Path.Combine(_temp.File("full"), ReferenceLogProbs.FileName), path);
        var lines = File.ReadAllLines(path);
        // A kill after 5 rows, in the middle of writing the 6th line.
        File.WriteAllText(path, string.Join("\n", lines.Take(6)) + "\n" + lines[6][..3]);
        var log = new StringWriter();
        var resumed = ReferenceLogProbs.LoadOrCompute(run, data.Identity, rows, model, CPU, 4, log);
        Assert.Contains($"5 of {rows.Count} rows cached", log.ToString());
        for (var i = 0; i < rows.Count; i++) Assert.Equal(full[i], resumed[i], 5);
        Assert.Equal(File.ReadAllLines(Path.Combine(_temp.File("full"), ReferenceLogProbs.FileName)).Length, File.ReadAllLines(path).Length);
        Assert.True(ReferenceLogProbs.IsComplete(run, data.Identity, rows.Count));

        var other = new StringWriter();
        ReferenceLogProbs.LoadOrCompute(run, data.Identity + " other-model", rows, model, CPU, 4, other);
        Assert.Contains($"scoring {rows.Count:N0} rows once", other.ToString());
    }
}
