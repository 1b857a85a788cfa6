namespace Tsumugi.Training.Online;

/// <summary>One iteration's figures (iteration 0: the starting policy, measured only).</summary>
/// <param name="HeldOutReward">Mean reward of the policy's answers to the held-out prompts.</param>
/// <param name="Pairs">Pairs trained on (0 for iteration 0).</param>
/// <param name="Policy">The model directory this iteration produced (iteration 0: the starting model).</param>
public sealed record OnlineIteration(int Iteration, double HeldOutReward, int Pairs, int Responses, double MeanTrainReward, string Policy);

/// <summary>How an online run ended: every iteration measured so far, and why it stopped early, if it did.</summary>
public sealed record OnlineOutcome(IReadOnlyList<OnlineIteration> Iterations, bool Completed, string? StopReason)
{
    public string? FinalPolicy => Iterations.Count > 0 ? Iterations[^1].Policy : null;
}
