using System.Text;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// llm-jp-eval's prompt (v1.3+, the Alpaca-style template Swallow used). Japanese: the fixed preamble, <c>### 指示:</c>
/// and the task's instruction, then per few-shot example <c>### 入力:</c> / <c>### 応答:</c> with its answer, and finally
/// the sample's input with an open <c>### 応答:\n</c> for the model to continue. English (<c>language: "en"</c>): the
/// English preamble with <c>### Instruction</c> / <c>### Input</c> / <c>### Response</c>. A task's
/// <c>custom_prompt_template</c> replaces the frame: its <c>{instruction}</c> becomes the instruction followed by the
/// few-shot blocks and <c>{input}</c> the sample's input, as llm-jp-eval formats it. Text is inserted verbatim
/// (llm-jp-eval escapes braces only because it goes through a LangChain template; we do not).
/// </summary>
public static class PromptTemplate
{
    public const string Preamble = "以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。";

    public const string PreambleEnglish = "Here is a combination of instructions explaining the task and inputs with context. Please write a response that adequately meets the request.";

    public static string Build(string instruction, IEnumerable<TaskExample> shots, string input, string language = "ja", string? customTemplate = null)
    {
        var (instructionHeading, inputHeading, responseHeading, preamble) = language == "en"
            ? ("Instruction", "Input", "Response", PreambleEnglish) : ("指示", "入力", "応答", Preamble);
        var examples = new StringBuilder();
        foreach (var shot in shots)
            examples.Append($"\n\n### {inputHeading}:\n").Append(shot.Input).Append($"\n\n### {responseHeading}:\n").Append(shot.Output);
        if (customTemplate is not null) return Format(customTemplate, instruction + examples, input);
        return new StringBuilder(preamble).Append($"\n\n### {instructionHeading}:\n").Append(instruction).Append(examples)
            .Append($"\n\n### {inputHeading}:\n").Append(input).Append($"\n\n### {responseHeading}:\n").ToString();
    }

    /// <summary>Python str.format with the fields instruction and input ({{ and }} are literal braces).</summary>
    public static string Format(string template, string instruction, string input)
    {
        var text = new StringBuilder(template.Length + instruction.Length + input.Length);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c) { text.Append(c); i++; continue; }
            if (c == '}') throw new FormatException("a single '}' in the template; write '}}' for a literal brace");
            if (c != '{') { text.Append(c); continue; }
            int close = template.IndexOf('}', i);
            var field = close < 0 ? "" : template[(i + 1)..close];
            text.Append(field switch
            {
                "instruction" => instruction,
                "input" => input,
                _ => throw new FormatException($"unknown field '{{{field}}}' in the template; only {{instruction}} and {{input}} are filled ('{{{{' for a literal brace)"),
            });
            i = close;
        }
        return text.ToString();
    }
}
