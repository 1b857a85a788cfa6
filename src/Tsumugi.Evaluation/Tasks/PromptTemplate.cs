using System.Text;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// llm-jp-eval v1.3's Japanese prompt (the Alpaca-style template Swallow used): the fixed preamble, the task's
/// instruction, then per few-shot example <c>### 入力:</c> / <c>### 応答:</c> with its answer, and finally the sample's
/// input with an open <c>### 応答:\n</c> for the model to continue. Text is inserted verbatim (llm-jp-eval escapes
/// braces only because it goes through a LangChain template; we do not).
/// </summary>
public static class PromptTemplate
{
    public const string Preamble = "以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。";

    public static string Build(string instruction, IEnumerable<TaskExample> shots, string input)
    {
        var prompt = new StringBuilder(Preamble).Append("\n\n### 指示:\n").Append(instruction);
        foreach (var shot in shots) prompt.Append("\n\n### 入力:\n").Append(shot.Input).Append("\n\n### 応答:\n").Append(shot.Output);
        return prompt.Append("\n\n### 入力:\n").Append(input).Append("\n\n### 応答:\n").ToString();
    }
}
