namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// llm-jp-eval's <c>exact_match_figure</c>: 1 when <c>float(pred) == float(true)</c> in Python, 0 when they differ or
/// either does not parse ("12個" scores 0; "12.0" equals "12"; NaN equals nothing).
/// </summary>
public static class FigureMatch
{
    public static double Score(string prediction, string gold) =>
        PythonText.Float(prediction) is { } p && PythonText.Float(gold) is { } g && p == g ? 1 : 0;
}
