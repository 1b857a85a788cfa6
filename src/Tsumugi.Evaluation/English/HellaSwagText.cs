using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// lm-evaluation-harness's HellaSwag text processing (lm_eval/tasks/hellaswag/utils.py): the query is
/// <c>preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize())</c> (Python's capitalize lower-cases all but the first character: <see cref="PythonCase"/>) and each ending is preprocessed alone.
/// </summary>
public static partial class HellaSwagText
{
    [GeneratedRegex(@"\[.*?\]")]
    private static partial Regex Bracketed();

    /// <summary>strip; " [title]" → ". "; drop bracketed WikiHow artifacts; one pass of "  " → " " (as str.replace).</summary>
    public static string Preprocess(string text)
    {
        text = text.Trim();
        text = text.Replace(" [title]", ". ", StringComparison.Ordinal);
        text = Bracketed().Replace(text, "");
        return text.Replace("  ", " ", StringComparison.Ordinal);
    }

    public static string Query(string activityLabel, string ctxA, string ctxB) =>
        Preprocess(activityLabel + ": " + ctxA + " " + PythonCase.Capitalize(ctxB));
}
