using System.Text;

namespace Tsumugi.Synthesis.Config;

/// <summary>
/// A prompt with <c>{field}</c> placeholders (<c>{{</c> and <c>}}</c> for literal braces), parsed once so that a
/// placeholder naming no known field is an error when the config is read — before the first request — rather than a
/// prompt sent with a hole in it.
/// </summary>
public sealed class PromptTemplate
{
    readonly List<(string Text, string? Field)> _parts = [];

    /// <summary>The config key the template came from (<c>regenerate.prompt</c>), for errors.</summary>
    public string Key { get; }

    public string Source { get; }

    /// <summary>The placeholders, in order of first use.</summary>
    public IReadOnlyList<string> Fields { get; }

    public PromptTemplate(string key, string source)
    {
        Key = key;
        Source = source;
        var text = new StringBuilder();
        var fields = new List<string>();
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            if ((c == '{' || c == '}') && i + 1 < source.Length && source[i + 1] == c) { text.Append(c); i++; continue; }
            if (c == '}') throw new FormatException($"{key}: a lone '}}' at character {i + 1}; write '}}}}' for a literal brace");
            if (c != '{') { text.Append(c); continue; }
            int end = source.IndexOf('}', i + 1);
            if (end < 0) throw new FormatException($"{key}: '{{' at character {i + 1} is never closed; write '{{{{' for a literal brace");
            var field = source[(i + 1)..end].Trim();
            if (field.Length == 0 || field.Any(ch => !(char.IsLetterOrDigit(ch) || ch is '_' or '-' or '.')))
                throw new FormatException($"{key}: '{{{source[(i + 1)..end]}}}' is not a field name (letters, digits, _ - .); write '{{{{' for a literal brace");
            _parts.Add((text.ToString(), field));
            text.Clear();
            if (!fields.Contains(field)) fields.Add(field);
            i = end;
        }
        _parts.Add((text.ToString(), null));
        Fields = fields;
    }

    /// <summary>
    /// Throws naming every placeholder that is neither an input field (present in every input record) nor one the
    /// recipe fills in.
    /// </summary>
    public void Check(IReadOnlyCollection<string> recipeFields, IReadOnlyCollection<string> inputFields, string inputName)
    {
        var unknown = Fields.Where(f => !recipeFields.Contains(f) && !inputFields.Contains(f)).ToList();
        if (unknown.Count == 0) return;
        string Names(IReadOnlyCollection<string> names) => names.Count == 0 ? "none" : string.Join(", ", names.Order(StringComparer.Ordinal));
        throw new FormatException($"{Key}: {string.Join(", ", unknown.Select(f => "{" + f + "}"))} is not a field of the recipe ({Names(recipeFields)}) "
            + $"nor of every record of {inputName} ({Names(inputFields)}); fix the name or write '{{{{' for a literal brace");
    }

    /// <summary>The prompt with every placeholder replaced; a field <paramref name="values"/> lacks is a bug the check missed.</summary>
    public string Render(Func<string, string?> values)
    {
        var sb = new StringBuilder();
        foreach (var (text, field) in _parts)
        {
            sb.Append(text);
            if (field is not null) sb.Append(values(field) ?? throw new InvalidOperationException($"{Key}: no value for {{{field}}}"));
        }
        return sb.ToString();
    }

    public string Render(IReadOnlyDictionary<string, string> values) => Render(f => values.GetValueOrDefault(f));
}
