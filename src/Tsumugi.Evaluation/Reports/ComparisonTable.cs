namespace Tsumugi.Evaluation.Reports;

/// <summary>
/// Eval results side by side: one column per evaluated model, one row per (kind, metric), the best value per row known.
/// <para>
/// Columns: files with the same <c>model</c> in the same directory form one column (a checkpoint's perplexity, tasks
/// and judge files together); the same model elsewhere is another column, and so is a second file in one directory
/// that repeats a metric (two judge runs). Labels are the model names, with the location relative to the directory
/// the same-named columns share added when names repeat ("ckpt (iter_1000)"). Columns keep the argument order, directories in natural path order.
/// </para>
/// <para>
/// Rows: grouped by kind (perplexity, tasks, english, judge, then others as first seen), within a kind by task (the metric
/// name up to its first '/'), then in the order the writers emitted them. Missing cells are null.
/// </para>
/// </summary>
public sealed class ComparisonTable
{
    public sealed record Column(string Label, string Model, IReadOnlyList<string> Sources);

    public sealed record Row(string Kind, string Metric, Better Better, IReadOnlyList<double?> Values, IReadOnlyList<int> Best);

    static readonly string[] KnownKinds = ["perplexity", "tasks", "english", "judge"];

    public IReadOnlyList<Column> Columns { get; }
    public IReadOnlyList<Row> Rows { get; }

    ComparisonTable(IReadOnlyList<Column> columns, IReadOnlyList<Row> rows) => (Columns, Rows) = (columns, rows);

    public static ComparisonTable Build(IReadOnlyList<EvalResultFile> files)
    {
        if (files.Count == 0) throw new ArgumentException("no eval results to compare.");
        var groups = ColumnGroups(files);
        var labels = Labels(groups);
        var columns = groups.Select((g, i) => new Column(labels[i], g.Files[0].Summary.Model, g.Files.Select(f => f.Path).ToList())).ToList();

        var keys = new List<(string Kind, string Metric)>();
        var seenKeys = new HashSet<(string, string)>();
        foreach (var f in files)
            foreach (var metric in f.Summary.Metrics.Keys)
                if (seenKeys.Add((f.Summary.Kind, metric))) keys.Add((f.Summary.Kind, metric));
        var kindOrder = KnownKinds.Concat(keys.Select(k => k.Kind)).Distinct().ToList();
        var ordered = keys
            .Select((k, index) => (k.Kind, k.Metric, index))
            .GroupBy(k => k.Kind).OrderBy(g => kindOrder.IndexOf(g.Key))
            .SelectMany(kind => kind.GroupBy(k => Task(k.Metric)).OrderBy(t => t.Min(k => k.index)).SelectMany(t => t.OrderBy(k => k.index)));

        var rows = new List<Row>();
        foreach (var (kind, metric, _) in ordered)
        {
            var values = groups.Select(g => g.Files.FirstOrDefault(f => f.Summary.Kind == kind && f.Summary.Metrics.ContainsKey(metric)) is { } f
                ? (double?)f.Summary.Metrics[metric] : null).ToList();
            var better = MetricDirection.For(metric);
            rows.Add(new Row(kind, metric, better, values, BestOf(values, better)));
        }
        return new ComparisonTable(columns, rows);
    }

    static string Task(string metric) => metric.Split('/', 2)[0];

    /// <summary>Indices holding the best finite value (all of them on a tie); none when fewer than two values compare.</summary>
    static List<int> BestOf(IReadOnlyList<double?> values, Better better)
    {
        var finite = values.Select((v, i) => (v, i)).Where(x => x.v is { } d && double.IsFinite(d)).ToList();
        if (better == Better.None || finite.Count < 2) return [];
        double best = better == Better.Lower ? finite.Min(x => x.v!.Value) : finite.Max(x => x.v!.Value);
        return finite.Where(x => x.v == best).Select(x => x.i).ToList();
    }

    sealed record Group(string Location, List<EvalResultFile> Files);

    static List<Group> ColumnGroups(IReadOnlyList<EvalResultFile> files)
    {
        var byDirectory = new List<Group>();
        var index = new Dictionary<(string Model, string Dir), Group>();
        foreach (var f in files)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(f.Path))!;
            if (!index.TryGetValue((f.Summary.Model, dir), out var g)) byDirectory.Add(index[(f.Summary.Model, dir)] = g = new Group(dir, []));
            g.Files.Add(f);
        }
        // A metric given twice within one group would leave its cell ambiguous: such a group becomes one column per file.
        var groups = new List<Group>();
        foreach (var g in byDirectory)
        {
            var names = g.Files.SelectMany(f => f.Summary.Metrics.Keys.Select(m => (f.Summary.Kind, m))).ToList();
            if (names.Count == names.Distinct().Count()) groups.Add(g);
            else groups.AddRange(g.Files.Select(f => new Group(Path.GetFullPath(f.Path), [f])));
        }
        return groups;
    }

    static List<string> Labels(List<Group> groups)
    {
        var models = groups.Select(g => g.Files[0].Summary.Model).ToList();
        return groups.Select((g, i) =>
        {
            var namesakes = groups.Where((_, j) => models[j] == models[i]).ToList();
            if (namesakes.Count == 1) return models[i];
            // Relative to what the namesakes share (their parents included, so a label never shrinks to ".").
            var root = CommonDirectory(namesakes.Select(n => Path.GetDirectoryName(n.Location)!).Concat(namesakes.Select(n => n.Location)).ToList());
            var relative = Path.GetRelativePath(root, g.Location);
            return $"{models[i]} ({(relative == "." ? Path.GetFileName(g.Location) : relative)})";
        }).ToList();
    }

    static string CommonDirectory(IReadOnlyList<string> paths)
    {
        var parts = paths.Select(p => p.Split(Path.DirectorySeparatorChar)).ToList();
        int n = 0;
        while (parts.All(p => p.Length > n && p[n] == parts[0][n])) n++;
        var common = string.Join(Path.DirectorySeparatorChar, parts[0].Take(n));
        return common.Length == 0 ? Path.DirectorySeparatorChar.ToString() : common;
    }
}
