using System.Runtime.CompilerServices;

namespace Tsumugi.Dashboard;

/// <summary>
/// A run's metrics.jsonl held in memory and brought up to date incrementally (only bytes appended since the last
/// request are read). Rows are kept in step order; a step logged again (a resumed run repeats the steps after its
/// checkpoint) replaces the earlier row: the later line wins. Thread-safe: requests for the same run share one log.
/// </summary>
public sealed class MetricsLog
{
    readonly JsonLinesTail _tail;
    readonly Lock _lock = new();
    readonly List<MetricRow> _rows = [];
    readonly Dictionary<long, int> _rowOfStep = [];
    readonly List<string> _names = [];
    readonly Dictionary<string, int> _nameIndex = new(StringComparer.Ordinal);
    readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
    SeriesSnapshot? _snapshot;

    public MetricsLog(string path)
    {
        _tail = new JsonLinesTail(path);
        _nameLookup = _nameIndex.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Reads what was appended and returns the series as they now stand (rebuilt only when something changed).</summary>
    public SeriesSnapshot Refresh()
    {
        lock (_lock)
        {
            Update();
            return _snapshot ??= Build();
        }
    }

    /// <summary>Reads what was appended and returns only the counts the run list shows (no series are built).</summary>
    public (int Steps, long? LastStep) Counts()
    {
        lock (_lock)
        {
            Update();
            return (_rows.Count, _rows.Count == 0 ? null : _rows[^1].Step);
        }
    }

    /// <summary>Reads new lines; a change drops the built snapshot.</summary>
    void Update()
    {
        var changed = false;
        _tail.ReadNew(line => changed |= Add(line), () =>
        {
            _rows.Clear();
            _rowOfStep.Clear();
            changed = true;
        });
        if (changed || _snapshot?.Offset != _tail.Offset) _snapshot = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called per line of the first, whole-file read: no tier-0 pass
    bool Add(ReadOnlySpan<byte> line)
    {
        if (!MetricsLine.TryParse(line, Intern, _rows.Count > 0 ? _rows[^1].Stage : null, out var row)) return false;
        if (_rowOfStep.TryGetValue(row.Step, out var at)) _rows[at] = row;
        else if (_rows.Count == 0 || row.Step > _rows[^1].Step)
        {
            _rowOfStep[row.Step] = _rows.Count;
            _rows.Add(row);
        }
        else
        {
            // A new step below the last one (a log written out of order): insert in place and renumber the index.
            var index = ~_rows.BinarySearch(row, StepOrder.Instance);
            _rows.Insert(index, row);
            for (var i = index; i < _rows.Count; i++) _rowOfStep[_rows[i].Step] = i;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    int Intern(ReadOnlySpan<char> name)
    {
        if (_nameLookup.TryGetValue(name, out var index)) return index;
        var text = name.ToString();
        _nameIndex[text] = _names.Count;
        _names.Add(text);
        return _names.Count - 1;
    }

    SeriesSnapshot Build()
    {
        var xs = new List<double>?[_names.Count];
        var ys = new List<double>?[_names.Count];
        var stages = new List<StageSpan>();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Series.Length; i++)
            {
                var s = row.Series[i];
                (xs[s] ??= new List<double>(_rows.Count)).Add(row.Step);
                (ys[s] ??= new List<double>(_rows.Count)).Add(row.Values[i]);
            }
            if (row.Stage is null) continue;
            if (stages.Count > 0 && stages[^1].Name == row.Stage) stages[^1] = stages[^1] with { To = row.Step };
            else stages.Add(new StageSpan(row.Stage, row.Step, row.Step));
        }
        var series = new Dictionary<string, (double[] X, double[] Y)>(StringComparer.Ordinal);
        for (var s = 0; s < _names.Count; s++)
            if (xs[s] is { } x) series[_names[s]] = ([.. x], [.. ys[s]!]);
        return new SeriesSnapshot(_rows.Count, _rows.Count == 0 ? null : _rows[^1].Step, _tail.Offset, series, stages);
    }

    sealed class StepOrder : IComparer<MetricRow>
    {
        public static readonly StepOrder Instance = new();
        public int Compare(MetricRow? a, MetricRow? b) => a!.Step.CompareTo(b!.Step);
    }
}
