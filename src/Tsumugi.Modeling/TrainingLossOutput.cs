using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>What <see cref="LlamaForCausalLM.TrainingLoss"/> returns: the loss to minimise and its parts, no logits.</summary>
public sealed record TrainingLossOutput(Tensor Loss, Tensor CrossEntropy, Tensor? ZLoss, Tensor? AuxLoss);
