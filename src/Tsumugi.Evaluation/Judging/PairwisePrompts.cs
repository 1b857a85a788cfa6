using System.Text;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// The pairwise judge templates of MT-Bench (FastChat's <c>pair-v2</c>, <c>pair-v2-multi-turn</c>,
/// <c>pair-math-v1</c>, <c>pair-math-v1-multi-turn</c>) in our own Japanese wording with the same content: compare the
/// two assistants' answers, ignore their order, length and names, deduct for answering in another language than the
/// user, explain briefly, then give <c>[[A]]</c>, <c>[[B]]</c> or <c>[[C]]</c> (tie). Turn 1 compares the first answers;
/// later turns show both whole conversations and compare only the last answers. The math variants add the reference
/// answers for categories in <see cref="MtBenchCategories.NeedReference"/>. A template of the same name in a judge
/// prompt file (<see cref="JudgePromptFile"/>) replaces the built-in one.
/// </summary>
public static class PairwisePrompts
{
    const string Verdict = "説明の後に、最終判定を必ず次の形式で書いてください：アシスタントAが優れていれば「[[A]]」、"
        + "アシスタントBが優れていれば「[[B]]」、引き分けなら「[[C]]」。";

    const string Fair = "回答が示された順番、回答の長さ、アシスタントの名前に判断を左右されないようにし、できるだけ客観的に判断してください。"
        + "ユーザーと異なる言語で回答している場合は減点してください。";

    const string General = "公平な審査員として、以下のユーザーの質問に対する2つのAIアシスタントの回答の質を評価してください。"
        + "ユーザーの指示に従い、質問によりよく答えているほうを選んでください。有用性、関連性、正確さ、深さ、創造性、詳しさを考慮してください。"
        + "まず2つの回答を比較し、短く説明してください。" + Fair + Verdict;

    const string Math = "公平な審査員として、以下のユーザーの質問に対する2つのAIアシスタントの回答の質を評価してください。"
        + "参照回答とアシスタントAの回答、アシスタントBの回答が与えられます。正しさと有用性でよりよいほうを選んでください。"
        + "まず両方の回答を参照回答と比べ、誤りを見つけて正し、短く説明してください。" + Fair + Verdict;

    const string FocusOnLast = "比較するのは、ユーザーの最後の質問に対する2つのアシスタントの回答だけです。";

    /// <summary>
    /// The prompt comparing <paramref name="answersA"/>[turn-1] (shown as assistant A) with <paramref name="answersB"/>[turn-1].
    /// </summary>
    public static JudgePrompt Build(MtBenchQuestion question, IReadOnlyList<string> answersA, IReadOnlyList<string> answersB, int turn,
        IReadOnlyDictionary<string, JudgePromptTemplate>? templates = null)
    {
        if (turn < 1 || turn > question.Turns.Count || turn > answersA.Count || turn > answersB.Count)
            throw new ArgumentOutOfRangeException(nameof(turn), $"turn {turn} outside the question's {question.Turns.Count} turns / {answersA.Count} and {answersB.Count} answers.");
        bool math = JudgePrompts.UsesReference(question, turn);
        var name = (math ? "pair-math-v1" : "pair-v2") + (turn == 1 ? "" : "-multi-turn");
        var template = templates is not null && templates.TryGetValue(name, out var fromFile) ? fromFile : BuiltIn(name, turn);
        return template.Render(JudgePrompts.Values(question, turn, [("answer_a", answersA), ("answer_b", answersB)]));
    }

    /// <summary>The built-in template for <paramref name="name"/>; multi-turn ones list <paramref name="turn"/> turns.</summary>
    public static JudgePromptTemplate BuiltIn(string name, int turn)
    {
        bool math = name.StartsWith("pair-math", StringComparison.Ordinal);
        if (turn == 1)
        {
            var user = new StringBuilder("[ユーザーの質問]\n{question}\n\n");
            if (math) user.Append("[参照回答の開始]\n{ref_answer_1}\n[参照回答の終了]\n\n");
            user.Append("[アシスタントAの回答の開始]\n{answer_a}\n[アシスタントAの回答の終了]\n\n")
                .Append("[アシスタントBの回答の開始]\n{answer_b}\n[アシスタントBの回答の終了]");
            return new JudgePromptTemplate(name, "pairwise", math ? Math : General, user.ToString(), "[[A]]");
        }
        // As in FastChat's multi-turn templates: the instruction in the system message, the conversations in the user message.
        var conversation = new StringBuilder();
        if (math) conversation.Append(Conversation("参照回答", "参照回答", "ref_answer", turn));
        conversation.Append(Conversation("アシスタントA", "アシスタントA", "answer_a", turn))
            .Append("\n\n\n").Append(Conversation("アシスタントB", "アシスタントB", "answer_b", turn));
        return new JudgePromptTemplate(name, "pairwise", (math ? Math : General).Replace(Verdict, FocusOnLast + Verdict, StringComparison.Ordinal),
            conversation.ToString().TrimEnd('\n'), "[[A]]");
    }

    static string Conversation(string title, string speaker, string answerKey, int turns)
    {
        var text = new StringBuilder($"<|ユーザーと{title}の会話の開始|>\n\n");
        for (int t = 1; t <= turns; t++)
            text.Append($"### ユーザー:\n{{question_{t}}}\n\n### {speaker}:\n{{{answerKey}_{t}}}\n\n");
        return text.Append($"<|ユーザーと{title}の会話の終了|>").Append(answerKey == "ref_answer" ? "\n\n\n" : "").ToString();
    }
}
