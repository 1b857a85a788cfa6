namespace Tsumugi.Evaluation.Tasks;

/// <summary>One generation sample for the audit trail: what the model saw, produced and scored per metric.</summary>
public sealed record GenerationSampleResult(int Index, string Input, string Gold, string Generated, string Prediction,
    IReadOnlyDictionary<string, double> Scores, bool PromptTruncated);

/// <summary>One scored choice: its text, summed log-probability of its tokens, and the exact ids and boundary scored.</summary>
public sealed record ChoiceScore(string Text, double LogLikelihood, double LogLikelihoodPerChar, long[] TokenIds, int ContinuationStart);

/// <summary>One multiple-choice sample: the gold index, the choices picked by acc and acc_norm, and each choice's score.</summary>
public sealed record ChoiceSampleResult(int Index, string Input, int Gold, string GoldText, int Chosen, int ChosenNorm,
    IReadOnlyDictionary<string, double> Scores, IReadOnlyList<ChoiceScore> Choices);

/// <summary>A task's aggregate metrics (means over samples) and per-sample results (one of the two lists is set).</summary>
public sealed record TaskResult(string Name, string File, int Shots, int Samples, IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<GenerationSampleResult>? Generations, IReadOnlyList<ChoiceSampleResult>? MultipleChoice);
