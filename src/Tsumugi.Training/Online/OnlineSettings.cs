using Tsumugi.Evaluation.Rewards;
using Tsumugi.Generation;
using Tsumugi.Generation.Engine;

namespace Tsumugi.Training.Online;

/// <summary>
/// <c>online:</c> the iterative DPO loop of <c>tsumugi dpo online</c> (RLHFlow's recipe): each iteration samples
/// <see cref="SamplesPerPrompt"/> answers per prompt from the current policy, scores them with <see cref="Reward"/>, pairs
/// the best with the worst and trains DPO on those pairs (the config's dpo, lora, train, optimizer and schedule sections).
/// Keys: docs/dpo.md.
/// </summary>
public sealed record OnlineSettings
{
    /// <summary>JSONL of prompts: <c>prompt</c> as text or messages (or <c>messages</c>), and optionally the expected <c>answer</c> rule scorers compare with.</summary>
    public required string Prompts { get; init; }

    public string PromptColumn { get; init; } = "prompt";
    public string AnswerColumn { get; init; } = "answer";

    /// <summary>Prompts kept aside (chosen by the seed, never trained on) whose mean reward measures each iteration.</summary>
    public int HeldOut { get; init; } = 16;

    public int Iterations { get; init; } = 3;

    /// <summary>Training prompts per iteration, taken in turn from the shuffled set (RLHFlow uses a fresh slice each time); 0 = all.</summary>
    public int PromptsPerIteration { get; init; }

    /// <summary>k: answers sampled per prompt (pairs need at least 2 with different rewards).</summary>
    public int SamplesPerPrompt { get; init; } = 4;

    /// <summary>Answers sampled per held-out prompt to measure the reward.</summary>
    public int HeldOutSamples { get; init; } = 4;

    public int MaxNewTokens { get; init; } = 64;
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;

    /// <summary>Sequences decoded together (the batched generator's rows).</summary>
    public int DecodeBatch { get; init; } = 8;

    /// <summary>
    /// The decoder answers are sampled on (<see cref="PretrainedModelOptions.Engine"/>): Auto takes the native engine
    /// when more than one sequence decodes together (each iteration loads the saved policy, so its packed copy is never stale).
    /// </summary>
    public DecodeEngineKind Engine { get; init; } = DecodeEngineKind.Auto;

    public PairingStrategy Pairing { get; init; } = PairingStrategy.MaxMin;

    /// <summary>
    /// True: each iteration's reference is the policy it starts from (the reference moves). False: the first policy stays
    /// the reference throughout.
    /// </summary>
    public bool MoveReference { get; init; } = true;

    public required RewardScorerConfig Reward { get; init; }
}
