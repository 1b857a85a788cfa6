using System.Text;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// The judge templates of Japanese MT-Bench, in our own Japanese wording with the same content as FastChat's
/// judge_ja_prompts.jsonl: act as an impartial judge; weigh helpfulness, relevance, accuracy, depth, creativity and
/// detail (math: correctness against the reference answer); deduct points when the answer's language differs from the
/// user's; explain briefly, then rate 1–10 strictly as <c>[[評価]]</c>, e.g. 「評価：[[5]]」.
/// Turn 1 uses <c>single-v1</c> / <c>single-math-v1</c>; later turns put the whole conversation in the prompt and ask
/// the judge to rate only the last answer (<c>…-multi-turn</c>). The math variants are used for categories in
/// <see cref="MtBenchCategories.NeedReference"/> when the question gives a reference for every turn so far.
/// </summary>
public static class JudgePrompts
{
    public const string System = "あなたは有益なアシスタントです。";

    // Internal: the reward judge's default templates (Rewards/JudgeRewardTemplate) use the same wording.
    internal const string Rating = "説明の後に、1から10までの点数を必ず「[[評価]]」という形式で書いてください。例：「評価：[[5]]」";

    internal const string General =
        "公平な審査員として、AIアシスタントの回答の質を評価してください。有用性、質問との関連性、正確さ、深さ、創造性、"
        + "詳しさを考慮してください。ユーザーと異なる言語で回答している場合は減点してください。"
        + "まず評価の理由を短く説明し、できるだけ客観的に判断してください。";

    internal const string Math =
        "公平な審査員として、AIアシスタントの回答の質を評価してください。正しさと有用性を重視してください。"
        + "参照回答と比べてアシスタントの回答の誤りを見つけ、指摘して正してください。ユーザーと異なる言語で回答している場合は減点してください。"
        + "まず評価の理由を短く説明し、できるだけ客観的に判断してください。";

    const string FocusOnLast = "評価するのは、ユーザーの最後の質問に対するアシスタントの回答だけです。";

    /// <summary>
    /// The prompt that rates <paramref name="answers"/>[turn-1] (1-based <paramref name="turn"/>), with the earlier turns
    /// as context. A template of the chosen name in <paramref name="templates"/> (a judge prompt file) replaces the
    /// built-in one; it is filled with FastChat's placeholders (<see cref="Values"/>).
    /// </summary>
    public static JudgePrompt Build(MtBenchQuestion question, IReadOnlyList<string> answers, int turn,
        IReadOnlyDictionary<string, JudgePromptTemplate>? templates = null)
    {
        if (turn < 1 || turn > question.Turns.Count || turn > answers.Count)
            throw new ArgumentOutOfRangeException(nameof(turn), $"turn {turn} outside the question's {question.Turns.Count} turns / {answers.Count} answers.");
        bool math = UsesReference(question, turn);
        var name = (math ? "single-math-v1" : "single-v1") + (turn == 1 ? "" : "-multi-turn");
        if (templates is not null && templates.TryGetValue(name, out var fromFile))
            return fromFile.Render(Values(question, turn, [("answer", answers)]));
        return turn == 1 ? Single(question, answers[0], math) : MultiTurn(question, answers, turn, math);
    }

    /// <summary>Whether turns 1…<paramref name="turn"/> are judged against references (FastChat's NEED_REF_CATS, references given).</summary>
    public static bool UsesReference(MtBenchQuestion question, int turn) =>
        MtBenchCategories.NeedReference.Contains(question.Category) && Enumerable.Range(1, turn).All(t => question.ReferenceFor(t) is not null);

    /// <summary>
    /// FastChat's template values: for turn 1 <c>question</c>, <c>ref_answer_1</c> and each answer set under its own
    /// name (<c>answer</c>, or <c>answer_a</c> / <c>answer_b</c>); for every turn t so far also <c>question_t</c>,
    /// <c>ref_answer_t</c> and <c>NAME_t</c> (<c>answer_1</c>, <c>answer_a_2</c>, …), which the multi-turn templates use.
    /// </summary>
    public static Dictionary<string, string> Values(MtBenchQuestion question, int turn, IReadOnlyList<(string Name, IReadOnlyList<string> Answers)> answerSets)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["question"] = question.Turns[0] };
        foreach (var (name, answers) in answerSets) values[name] = answers[0];
        for (int t = 1; t <= turn; t++)
        {
            values[$"question_{t}"] = question.Turns[t - 1];
            if (question.ReferenceFor(t) is { } reference) values[$"ref_answer_{t}"] = reference;
            foreach (var (name, answers) in answerSets) values[$"{name}_{t}"] = answers[t - 1];
        }
        return values;
    }

    static JudgePrompt Single(MtBenchQuestion question, string answer, bool math)
    {
        var user = new StringBuilder("[指示]\n").Append(math ? Math : General).Append(Rating).Append("\n\n")
            .Append("[質問]\n").Append(question.Turns[0]).Append("\n\n");
        if (math) user.Append("[参照回答の開始]\n").Append(question.ReferenceFor(1)).Append("\n[参照回答の終了]\n\n");
        user.Append("[アシスタントの回答の開始]\n").Append(answer).Append("\n[アシスタントの回答の終了]");
        return new JudgePrompt(math ? "single-math-v1" : "single-v1", System, user.ToString());
    }

    static JudgePrompt MultiTurn(MtBenchQuestion question, IReadOnlyList<string> answers, int turn, bool math)
    {
        // As in FastChat's multi-turn templates the instruction goes in the system message and the user message
        // holds only the material: the reference conversation (math) and the assistant's conversation.
        var system = "[指示]\n" + (math ? Math : General) + FocusOnLast + Rating;
        var user = new StringBuilder();
        if (math)
        {
            user.Append("<|参照回答の開始|>\n\n");
            for (int t = 1; t <= turn; t++)
                user.Append("### ユーザー:\n").Append(question.Turns[t - 1]).Append("\n\n### 参照回答:\n").Append(question.ReferenceFor(t)).Append("\n\n");
            user.Append("<|参照回答の終了|>\n\n\n");
        }
        user.Append("<|ユーザーとアシスタントAの会話の開始|>\n\n");
        for (int t = 1; t <= turn; t++)
            user.Append("### ユーザー:\n").Append(question.Turns[t - 1]).Append("\n\n### アシスタントA:\n").Append(answers[t - 1]).Append("\n\n");
        user.Append("<|ユーザーとアシスタントAの会話の終了|>");
        return new JudgePrompt(math ? "single-math-v1-multi-turn" : "single-v1-multi-turn", system, user.ToString());
    }
}
