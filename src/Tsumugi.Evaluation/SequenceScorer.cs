using Tsumugi.Modeling;
using static TorchSharp.torch;

namespace Tsumugi.Evaluation;

/// <summary>Per-token log-probabilities of a sequence under a model (`tsumugi model score`; multiple-choice scoring sums these).</summary>
public static class SequenceScorer
{
    public sealed record TokenScore(int Position, long Id, double LogProb);
    public sealed record Result(IReadOnlyList<TokenScore> Tokens, double TotalNll);

    public static Result Score(LlamaForCausalLM model, long[] ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(ids, [1, ids.Length]);
        var logProbs = model.Forward(input).Logits[0].to_type(ScalarType.Float64).log_softmax(-1);
        var next = tensor(ids[1..], [ids.Length - 1, 1]);
        var picked = logProbs.narrow(0, 0, ids.Length - 1).gather(1, next).squeeze(1).data<double>().ToArray();
        var tokens = picked.Select((lp, i) => new TokenScore(i + 1, ids[i + 1], lp)).ToList();
        return new Result(tokens, -picked.Sum());
    }
}
