using System.Text;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// One judge template as FastChat's judge_prompts.jsonl / judge_ja_prompts.jsonl hold it: a name (<c>single-v1</c>,
/// <c>pair-v2-multi-turn</c>, …), a type (<c>single</c> or <c>pairwise</c>), the system prompt, and a user-message
/// template whose <c>{placeholders}</c> (<c>question</c>, <c>answer</c>, <c>answer_a</c>, <c>ref_answer_1</c>,
/// <c>question_2</c>, <c>answer_b_2</c>, …) are filled by Python <c>str.format</c> rules: <c>{{</c> and <c>}}</c> are
/// literal braces.
/// </summary>
public sealed record JudgePromptTemplate(string Name, string Type, string System, string Template, string OutputFormat)
{
    /// <summary>Fills the template; a placeholder without a value is an <see cref="ArgumentException"/> naming it.</summary>
    public JudgePrompt Render(IReadOnlyDictionary<string, string> values)
    {
        var text = new StringBuilder(Template.Length + values.Sum(v => v.Value.Length));
        for (int i = 0; i < Template.Length; i++)
        {
            char c = Template[i];
            if ((c == '{' || c == '}') && i + 1 < Template.Length && Template[i + 1] == c) { text.Append(c); i++; continue; }
            if (c != '{') { text.Append(c); continue; }
            int end = Template.IndexOf('}', i + 1);
            if (end < 0) throw new ArgumentException($"judge template '{Name}': unclosed '{{' at character {i}; write '{{{{' for a literal brace.");
            var key = Template[(i + 1)..end];
            if (!values.TryGetValue(key, out var value))
                throw new ArgumentException($"judge template '{Name}': placeholder {{{key}}} has no value here (available: {string.Join(", ", values.Keys)}).");
            text.Append(value);
            i = end;
        }
        return new JudgePrompt(Name, System, text.ToString());
    }
}
