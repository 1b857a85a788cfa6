using static TorchSharp.torch;

namespace Tsumugi.Modeling;

/// <summary>
/// Result of a forward pass. <see cref="Loss"/> is what training minimises: cross-entropy + z-loss term + router
/// aux-loss term; the parts are kept for logging.
/// </summary>
public sealed record CausalLMOutput(Tensor Logits, Tensor? Loss, Tensor? CrossEntropy, Tensor? ZLoss, Tensor? AuxLoss);
