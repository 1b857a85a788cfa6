using System.Globalization;
using System.Text;

namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// Win / loss / tie tallies from pairwise judgments, as FastChat's show_result counts them: matches with a failed game
/// are left out (counted apart), every other match counts once for each side by <see cref="PairwiseOutcome.Combine"/>.
/// With a baseline (pairwise-baseline) the baseline's own rows are dropped: every other model is measured against it.
/// </summary>
public static class PairwiseScores
{
    public const string Overall = "overall";

    /// <summary>The overall rows (highest adjusted win rate first), then per category in first-seen order, same model order.</summary>
    public static IReadOnlyList<PairwiseRecord> Compute(IReadOnlyList<PairwiseJudgment> judgments, string? baseline = null)
    {
        var counted = judgments.Where(j => j.Winner is not null).ToList();
        var tallies = new Dictionary<(string Model, string Category), (int Win, int Loss, int Tie)>();
        void Add(string model, string category, int win, int loss, int tie)
        {
            foreach (var key in new[] { (model, Overall), (model, category) })
            {
                var t = tallies.GetValueOrDefault(key);
                tallies[key] = (t.Win + win, t.Loss + loss, t.Tie + tie);
            }
        }
        foreach (var j in counted)
        {
            int w1 = j.Winner == PairwiseOutcome.Model1 ? 1 : 0, w2 = j.Winner == PairwiseOutcome.Model2 ? 1 : 0, tie = j.Winner == PairwiseOutcome.Tie ? 1 : 0;
            Add(j.Model1, j.Category, w1, w2, tie);
            Add(j.Model2, j.Category, w2, w1, tie);
        }
        var models = tallies.Keys.Where(k => k.Category == Overall && k.Model != baseline).Select(k => k.Model)
            .OrderByDescending(m => Record(m, Overall).WinRateAdjusted).ThenBy(m => m, StringComparer.Ordinal).ToList();
        var categories = counted.Select(j => j.Category).Distinct().ToList();
        return [.. models.Select(m => Record(m, Overall)),
            .. categories.SelectMany(c => models.Where(m => tallies.ContainsKey((m, c))).Select(m => Record(m, c)))];

        PairwiseRecord Record(string model, string category)
        {
            var t = tallies[(model, category)];
            return new PairwiseRecord(model, category, t.Win, t.Loss, t.Tie);
        }
    }

    /// <summary>The table: one row per model, overall counts and rates, then the adjusted win rate per category.</summary>
    public static string Table(IReadOnlyList<PairwiseRecord> records)
    {
        var overall = records.Where(r => r.Category == Overall).ToList();
        var categories = records.Select(r => r.Category).Where(c => c != Overall).Distinct().ToList();
        int width = Math.Max(5, overall.Count == 0 ? 0 : overall.Max(r => r.Model.Length));
        var text = new StringBuilder($"{"model".PadRight(width)}  {"win",5} {"loss",5} {"tie",5} {"win_rate",9} {"loss_rate",9} {"adjusted",9}");
        foreach (var c in categories) text.Append(' ').Append(c.PadLeft(Math.Max(9, c.Length)));
        text.Append('\n');
        foreach (var r in overall)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Model.PadRight(width)}  {r.Win,5} {r.Loss,5} {r.Tie,5} {r.WinRate,9:0.0000} {r.LossRate,9:0.0000} {r.WinRateAdjusted,9:0.0000}");
            foreach (var c in categories)
            {
                var cell = records.FirstOrDefault(x => x.Model == r.Model && x.Category == c)?.WinRateAdjusted.ToString("0.0000", CultureInfo.InvariantCulture) ?? "-";
                text.Append(' ').Append(cell.PadLeft(Math.Max(9, c.Length)));
            }
            text.Append('\n');
        }
        return text.ToString();
    }
}
