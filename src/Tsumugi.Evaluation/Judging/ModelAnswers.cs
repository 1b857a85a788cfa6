namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// One model's answers in FastChat's model_answer format, by question id: the turns of the first choice. Also the
/// format of FastChat's reference_answer/*.jsonl, which <see cref="AsReferences"/> attaches to the questions.
/// </summary>
public sealed record ModelAnswers(string ModelId, string Source, IReadOnlyDictionary<string, IReadOnlyList<string>> Turns)
{
    /// <summary>
    /// The questions with this file's answers as their references (replacing any inline <c>reference</c>), as FastChat's
    /// gen_judgment loads reference_answer/gpt-4.jsonl. Questions without an entry keep what they had.
    /// </summary>
    public IReadOnlyList<MtBenchQuestion> AsReferences(IReadOnlyList<MtBenchQuestion> questions) =>
        questions.Select(q => Turns.TryGetValue(q.QuestionId, out var turns) ? q with { References = turns.Take(q.Turns.Count).ToList() } : q).ToList();

    /// <summary>
    /// The answer turns to <paramref name="question"/>; an <see cref="InvalidDataException"/> naming the file when it has
    /// none or fewer turns than the question, since judging a missing answer would score the model for nothing.
    /// </summary>
    public IReadOnlyList<string> For(MtBenchQuestion question)
    {
        if (!Turns.TryGetValue(question.QuestionId, out var turns))
            throw new InvalidDataException($"{Source}: no answer for question_id {question.QuestionId}; answer every question in the question file.");
        if (turns.Count < question.Turns.Count)
            throw new InvalidDataException($"{Source}: question_id {question.QuestionId} has {turns.Count} answer turns for {question.Turns.Count} question turns.");
        return turns;
    }

    /// <summary>
    /// These answers as what `eval judge` grades, one per question in question order (turns beyond the question's are
    /// dropped). How they were generated is not in the file: temperature and token counts are unknown (NaN, 0) and the
    /// finish reason is <see cref="ExternalFinish"/>.
    /// </summary>
    public IReadOnlyList<MtBenchAnswer> ToMtBenchAnswers(IReadOnlyList<MtBenchQuestion> questions) =>
        questions.Select(q => new MtBenchAnswer(q, For(q).Take(q.Turns.Count)
            .Select(text => new TurnAnswer(text, double.NaN, 0, 0, 0, ExternalFinish)).ToList())).ToList();

    /// <summary>The finish reason of an answer read from a file rather than generated.</summary>
    public const string ExternalFinish = "external";
}
