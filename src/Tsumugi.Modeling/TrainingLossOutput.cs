using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// What <see cref="LlamaForCausalLM.TrainingLoss"/> returns: the total loss to backpropagate and its parts, plus (when
/// asked) each row's summed cross-entropy, detached, for per-domain loss. MoE models also return each layer's router
/// logits [tokens, experts] (for <see cref="RouterStatistics"/>); null for dense models.
/// </summary>
public sealed record TrainingLossOutput(Tensor Loss, Tensor CrossEntropy, Tensor? ZLoss, Tensor? AuxLoss, Tensor? RowCrossEntropy = null,
    IReadOnlyList<Tensor>? RouterLogits = null);
