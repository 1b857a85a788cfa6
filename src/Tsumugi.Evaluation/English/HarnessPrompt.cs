using System.Text;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// The harness's context string (ContextSampler.get_context + fewshot_context): the description, then per few-shot
/// document its text, the target delimiter " " and its target, each followed by the few-shot delimiter "\n\n"
/// (an empty <see cref="EnglishDoc.TextTarget"/> gets neither; an empty choice text still gets both, since the harness
/// tests the choice index, not its text), then the evaluated document's text. The continuation to score
/// is the target delimiter plus a choice.
/// </summary>
public static class HarnessPrompt
{
    public const string TargetDelimiter = " ";
    public const string FewShotDelimiter = "\n\n";

    public static string Build(string description, IEnumerable<EnglishDoc> shots, string text)
    {
        var prompt = new StringBuilder(description);
        foreach (var shot in shots)
        {
            prompt.Append(shot.Text);
            if (!shot.TextTarget || shot.FewShotTarget.Length > 0) prompt.Append(TargetDelimiter).Append(shot.FewShotTarget).Append(FewShotDelimiter);
        }
        return prompt.Append(text).ToString();
    }
}
