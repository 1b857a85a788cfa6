using System.Text;
using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// llm-jp-eval's answer extraction: <c>re.search(answer_extract_pattern, generated)</c>, the answer being its groups
/// joined (<c>"".join(m.groups())</c>; no match gives ""). Without a pattern in the task file, llm-jp-eval's default
/// <c>(?s)^(.*?)(?=\n\n|\Z)</c>: everything before the first blank line. Patterns are written for Python's re; the
/// spellings .NET reads differently are translated (<see cref="Compile"/>).
/// </summary>
public static class AnswerPattern
{
    public const string DefaultPython = @"(?s)^(.*?)(?=\n\n|\Z)";

    public static readonly Regex Default = Compile(DefaultPython);

    /// <summary>
    /// A Python pattern as a .NET Regex: <c>\Z</c> (Python: end of text only) becomes <c>\z</c> (.NET's <c>\Z</c> also
    /// matches before a final newline); named groups <c>(?P&lt;name&gt;…)</c> become plain groups and <c>(?P=name)</c> a
    /// numbered back-reference, because .NET numbers named groups after the unnamed ones while Python numbers all groups
    /// left to right, and the answer is the groups in Python's order. Throws ArgumentException when .NET cannot compile it.
    /// </summary>
    public static Regex Compile(string python)
    {
        var net = new StringBuilder(python.Length);
        var named = new Dictionary<string, int>(StringComparer.Ordinal);
        int groups = 0;
        bool inClass = false;
        for (int i = 0; i < python.Length; i++)
        {
            char c = python[i];
            if (c == '\\' && i + 1 < python.Length)
            {
                net.Append(python[i + 1] == 'Z' && !inClass ? @"\z" : python.Substring(i, 2));
                i++;
            }
            else if (inClass) { net.Append(c); if (c == ']') inClass = false; }
            else if (c == '[')
            {
                inClass = true;
                net.Append(c);
                // A ']' right after '[' or '[^' is a literal member, not the end of the class.
                if (i + 1 < python.Length && python[i + 1] == '^') net.Append(python[++i]);
                if (i + 1 < python.Length && python[i + 1] == ']') net.Append(python[++i]);
            }
            else if (At(python, i, "(?P<"))
            {
                int close = python.IndexOf('>', i);
                if (close < 0) throw new ArgumentException($"unterminated group name in '{python}'");
                named[python[(i + 4)..close]] = ++groups;
                net.Append('(');
                i = close;
            }
            else if (At(python, i, "(?P="))
            {
                int close = python.IndexOf(')', i);
                if (close < 0 || !named.TryGetValue(python[(i + 4)..close], out var number))
                    throw new ArgumentException($"back-reference to an unknown group in '{python}'");
                net.Append($"(?:\\{number})");
                i = close;
            }
            else
            {
                if (c == '(' && (i + 1 >= python.Length || python[i + 1] != '?')) groups++;
                net.Append(c);
            }
        }
        return new Regex(net.ToString(), RegexOptions.CultureInvariant);
    }

    static bool At(string text, int i, string what) => string.CompareOrdinal(text, i, what, 0, what.Length) == 0;

    /// <summary>The joined groups of the first match ("" for a group that did not take part), or "" when nothing matches.</summary>
    public static string Extract(Regex pattern, string generated)
    {
        var match = pattern.Match(generated);
        return match.Success ? string.Concat(match.Groups.Cast<Group>().Skip(1).Select(g => g.Success ? g.Value : "")) : "";
    }
}
