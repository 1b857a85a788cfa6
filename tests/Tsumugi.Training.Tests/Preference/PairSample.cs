using Tsumugi.Training.Preference;
using static TorchSharp.torch;

namespace Tsumugi.Training.Tests.Preference;

/// <summary>
/// Random log-probs for a batch of pairs (seeded): summed completion log-probs between −40 and −0.2 (so ORPO's
/// length averages fall on both sides of −ln 2), completion lengths 1–20, reference log-probs within a few nats of the
/// policy's, and a chosen-row NLL.
/// </summary>
sealed class PairSample
{
    public required double[] PolicyChosen, PolicyRejected, ReferenceChosen, ReferenceRejected, ChosenTokens, RejectedTokens, ChosenNll;

    public int Count => PolicyChosen.Length;

    public static PairSample Random(int seed, int pairs = 7)
    {
        var random = new Random(seed);
        double LogProb() => -Math.Exp(Math.Log(0.2) + random.NextDouble() * Math.Log(40 / 0.2));
        double[] Many(Func<double> f) => Enumerable.Range(0, pairs).Select(_ => f()).ToArray();
        var chosen = Many(LogProb);
        var rejected = Many(LogProb);
        return new PairSample
        {
            PolicyChosen = chosen,
            PolicyRejected = rejected,
            ReferenceChosen = chosen.Select(x => x + 3 * (random.NextDouble() - 0.5)).ToArray(),
            ReferenceRejected = rejected.Select(x => x + 3 * (random.NextDouble() - 0.5)).ToArray(),
            ChosenTokens = Many(() => random.Next(1, 21)),
            RejectedTokens = Many(() => random.Next(1, 21)),
            ChosenNll = Many(() => 0.5 + 3 * random.NextDouble()),
        };
    }

    /// <summary>The same batch with one value moved (for finite differences).</summary>
    public PairSample With(bool chosen, int index, double delta)
    {
        var copy = (double[] a) => (double[])a.Clone();
        var result = new PairSample
        {
            PolicyChosen = copy(PolicyChosen), PolicyRejected = copy(PolicyRejected), ReferenceChosen = ReferenceChosen,
            ReferenceRejected = ReferenceRejected, ChosenTokens = ChosenTokens, RejectedTokens = RejectedTokens, ChosenNll = ChosenNll,
        };
        (chosen ? result.PolicyChosen : result.PolicyRejected)[index] += delta;
        return result;
    }

    /// <summary>Float64 tensors; the policy's require gradients.</summary>
    public PairLogProbs Tensors(bool withReference = true, bool withNll = true, ScalarType dtype = ScalarType.Float64) => new(
        tensor(PolicyChosen, dtype).requires_grad_(), tensor(PolicyRejected, dtype).requires_grad_(),
        tensor(ChosenTokens, dtype), tensor(RejectedTokens, dtype),
        withReference ? tensor(ReferenceChosen, dtype) : null, withReference ? tensor(ReferenceRejected, dtype) : null,
        withNll ? tensor(ChosenNll, dtype) : null);

    public static double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).data<double>().ToArray();
}
