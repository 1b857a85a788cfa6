namespace Tsumugi.Evaluation.English;

/// <summary>One scored choice: its text (without the target delimiter), summed log-likelihood of the continuation's
/// tokens, the continuation's token ids, and the lengths acc_norm (characters) and acc_bytes (UTF-8 bytes) divide by.</summary>
public sealed record EnglishChoice(string Text, double LogLikelihood, long[] ContinuationIds, int Characters, int Bytes);

/// <summary>One multiple-choice document: what acc, acc_norm and acc_bytes each picked, and every choice's score. Few-shot
/// prompts are long and repeat across documents, so the audit trail keeps the document's own text and where it came from.</summary>
public sealed record EnglishChoiceSample(int Index, string Where, string Text, string? Subject, int Gold, int Chosen, int ChosenNorm, int ChosenBytes,
    IReadOnlyDictionary<string, double> Scores, IReadOnlyList<EnglishChoice> Choices);

/// <summary>One generation document: the raw generation (cut at the stop strings), what each filter extracted from it,
/// the gold answers and the score per metric.</summary>
public sealed record EnglishGenerationSample(int Index, string Where, string Text, IReadOnlyList<string> Gold, string Generated,
    IReadOnlyDictionary<string, string> Predictions, IReadOnlyDictionary<string, double> Scores, bool PromptTruncated);

/// <summary>MMLU per subject: documents and accuracy.</summary>
public sealed record SubjectScore(int Samples, double Acc);

/// <summary>A task's metrics (means over documents; MMLU's acc over all questions, i.e. subjects weighted by size) and its samples.</summary>
public sealed record EnglishTaskResult(string Name, string File, int Shots, int Samples, IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<EnglishChoiceSample>? MultipleChoice, IReadOnlyList<EnglishGenerationSample>? Generations,
    IReadOnlyDictionary<string, SubjectScore>? Subjects = null);
