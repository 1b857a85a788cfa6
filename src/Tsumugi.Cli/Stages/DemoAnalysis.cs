using Tsumugi.Evaluation;
using Tsumugi.Generation;

namespace Tsumugi.Cli.Stages;

/// <summary>Small measurements the demo report makes on a model folder.</summary>
static class DemoAnalysis
{
    /// <summary>Perplexity of a model directory on up to 8 held-out documents (first 255 tokens each, BOS prepended).</summary>
    public static double Perplexity(string modelDir, IReadOnlyList<string> texts, out string detail)
    {
        using var model = PretrainedModel.Load(modelDir);
        var tokenizer = model.Tokenizer;
        double nll = 0, chars = 0;
        int tokens = 0;
        foreach (var text in texts.Take(8))
        {
            var ids = tokenizer.Encode(text).Take(255).Select(i => (long)i).Prepend(tokenizer.BosId).ToArray();
            if (ids.Length < 2) continue;
            var score = SequenceScorer.Score(model.Model, ids);
            nll += score.TotalNll;
            tokens += score.Tokens.Count;
            chars += tokenizer.Decode(ids.Skip(1).Select(i => (int)i).ToList()).Length;
        }
        detail = $"over {tokens:N0} tokens, {nll / Math.Log(2) / chars:F2} bits/char";
        return Math.Exp(nll / tokens);
    }

    public static IEnumerable<(string Prompt, string Text)> Generate(string modelDir, string[] prompts)
    {
        using var model = PretrainedModel.Load(modelDir);
        var tokenizer = model.Tokenizer;
        var options = new SamplingOptions { MaxNewTokens = 40, Temperature = 0.8, TopP = 0.95, Seed = 1 };
        var results = new List<(string, string)>();
        foreach (var prompt in prompts)
        {
            var ids = tokenizer.Encode(prompt).Prepend(tokenizer.BosId).ToList();
            var generated = TokenSampler.Generate(model.Model, ids, options, [tokenizer.EosId]);
            results.Add((prompt, tokenizer.Decode(generated.ToList())));
        }
        return results;
    }

    public static string Short(string text) => text.ReplaceLineEndings(" ")[..Math.Min(20, text.Length)] + "…";
}
