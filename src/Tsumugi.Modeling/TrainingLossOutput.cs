using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// What <see cref="LlamaForCausalLM.TrainingLoss"/> returns: the total loss to backpropagate and its parts, plus (when
/// asked) each row's summed cross-entropy, detached, for per-domain loss.
/// </summary>
public sealed record TrainingLossOutput(Tensor Loss, Tensor CrossEntropy, Tensor? ZLoss, Tensor? AuxLoss, Tensor? RowCrossEntropy = null);
