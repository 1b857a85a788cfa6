using static TorchSharp.torch;

namespace Tsumugi.Training.Preference;

/// <summary>
/// One micro-batch's pairs as the preference losses see them; every tensor is [pairs] and floating point.
/// </summary>
/// <param name="PolicyChosen">The policy's completion log-prob of each chosen answer, summed over its tokens (with gradients).</param>
/// <param name="PolicyRejected">The same for the rejected answers.</param>
/// <param name="ChosenTokens">Completion tokens of each chosen answer (the length averages and ipo/sigmoid_norm divide by it, clamped ≥ 1).</param>
/// <param name="RejectedTokens">Completion tokens of each rejected answer.</param>
/// <param name="ReferenceChosen">The reference model's summed log-probs of the chosen answers; null for reference-free losses.</param>
/// <param name="ReferenceRejected">The same for the rejected answers.</param>
/// <param name="ChosenNll">ORPO/CPO/SimPO: each chosen row's mean NLL over its whole sequence (prompt included); else null.</param>
public sealed record PairLogProbs(Tensor PolicyChosen, Tensor PolicyRejected, Tensor ChosenTokens, Tensor RejectedTokens,
    Tensor? ReferenceChosen, Tensor? ReferenceRejected, Tensor? ChosenNll);
