using System.Text;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// RFC 4180 CSV records (quoted fields may hold commas, doubled quotes and newlines, as MMLU's questions do), streamed
/// with the line each record starts on.
/// </summary>
public static class CsvRecords
{
    public static IEnumerable<(List<string> Fields, int Line)> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        int line = 1;
        while (reader.Peek() >= 0)
        {
            int start = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            bool quoted = false, wasQuoted = false;
            while (true)
            {
                int c = reader.Read();
                if (c < 0)
                {
                    if (quoted) throw new InvalidDataException($"{path}: line {start}: a quoted field is never closed.");
                    break;
                }
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                        else quoted = false;
                    }
                    else
                    {
                        if (c == '\n') line++;
                        field.Append((char)c);
                    }
                }
                else if (c == '"' && field.Length == 0 && !wasQuoted) quoted = wasQuoted = true;
                else if (c == ',') { fields.Add(field.ToString()); field.Clear(); wasQuoted = false; }
                else if (c == '\r' && reader.Peek() == '\n') { }
                else if (c == '\n') { line++; break; }
                else field.Append((char)c);
            }
            fields.Add(field.ToString());
            if (fields.Count == 1 && fields[0].Length == 0 && !wasQuoted) continue; // blank line
            yield return (fields, start);
        }
    }
}
