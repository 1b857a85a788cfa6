using Tsumugi.Training.Loop;
using static TorchSharp.torch;

namespace Tsumugi.Training.Objectives;

/// <summary>
/// What a run optimises: turns one micro-batch into the loss to differentiate, and sums what it logs over the step.
/// <see cref="Trainer.Run"/> owns everything else (backward, accumulation, reduction, guard, clipping, the optimizer
/// step, logging, evaluation, checkpoints), so pretraining, SFT and preference training share one loop:
/// <list type="bullet">
/// <item>pretraining and SFT are both <see cref="CausalLmObjective"/>: an SFT batch carries −100 labels on the prompt
///   (TRL's completion-only / assistant-only loss) and counts only completion tokens as the step's denominator;</item>
/// <item>DPO holds the frozen reference model: a micro-batch is [chosen; rejected] rows labelled on the completion, a
///   row's summed log-prob is minus its row cross-entropy (the policy's with gradients, the reference's under no_grad
///   or precomputed), the loss is Σ −log σ(β·Δ) over pairs divided by the step's pair count, and
///   <see cref="TakeStepLoss"/> reports the rewards and margins beside it.</item>
/// </list>
/// Per micro-batch the loop calls <see cref="Forward"/>, backward, gradient accumulation, then <see cref="Record"/>, all
/// inside one dispose scope: host reads wait until the backward is queued, so a GPU never idles on a log value.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>
    /// Forward and loss of micro-batch <paramref name="micro"/> of <paramref name="step"/>: a scalar already divided by
    /// the whole step's denominator (<see cref="StepBatch.ScoredTokens"/>), so the accumulated gradient is exact.
    /// </summary>
    Tensor Forward(StepBatch step, int micro);

    /// <summary>Adds the last <see cref="Forward"/>'s logged values to the step's sums (after its backward).</summary>
    void Record();

    /// <summary>This rank's sums for the step just trained (the loop averages the loss across ranks); starts the next step.</summary>
    StepLoss TakeStepLoss();
}
