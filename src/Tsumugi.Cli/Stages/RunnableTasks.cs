namespace Tsumugi.Cli.Stages;

/// <summary>
/// The task files of a list of files/folders that this machine can score: BLEU/ROUGE need MeCab (Debian's libmecab2 +
/// mecab-ipadic-utf8), which Tsumugi does not require, so without it those tasks are left out and the stage says so.
/// </summary>
static class RunnableTasks
{
    public static (List<string> Files, string Note) Of(IEnumerable<string> paths)
    {
        var files = Evaluation.Suites.TaskSuite.Files(paths.ToList());
        var unavailable = files.Where(f => Evaluation.Tasks.EvalTaskFile.Load(f).Metrics.Any(m => Evaluation.Metrics.GenerationMetrics.Unavailable(m) is not null)).ToList();
        var note = unavailable.Count == 0 ? "" : $" (left out: {string.Join(", ", unavailable.Select(Path.GetFileName))}: {Evaluation.Metrics.MeCabTagger.Unavailable})";
        return (files.Except(unavailable).ToList(), note);
    }
}
