namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// Tab-separated raw files read as llm-jp-eval does: a header line, then <c>line.split("\t")</c> per line. llm-jp-eval
/// indexes the cells by position; we find those positions from the header's column names, which gives the same cells
/// for the real file and a clear error (line 1, missing column) for a file of another layout.
/// </summary>
public static class RawTsv
{
    public readonly record struct Row(RawLine At, string[] Cells, IReadOnlyDictionary<string, int> Columns)
    {
        public string this[string column] => Cells[Columns[column]];
    }

    public static IEnumerable<Row> Rows(string dataset, string path, string expected, IReadOnlyList<string> columns)
    {
        Dictionary<string, int>? index = null;
        int width = 0;
        foreach (var (number, text) in RawFile.Lines(path))
        {
            var at = new RawLine(dataset, path, $"line {number}", expected);
            if (index is null)
            {
                var header = text.TrimStart('\uFEFF').Split('\t');
                index = [];
                foreach (var column in columns)
                {
                    int i = Array.IndexOf(header, column);
                    if (i < 0) throw at.Error($"the header has no column '{column}'");
                    index[column] = i;
                }
                width = index.Values.Max() + 1;
                continue;
            }
            if (text.Length == 0) continue;
            var cells = text.Split('\t');
            if (cells.Length < width) throw at.Error($"{cells.Length} tab-separated columns, need at least {width}");
            yield return new Row(at, cells, index);
        }
    }
}
