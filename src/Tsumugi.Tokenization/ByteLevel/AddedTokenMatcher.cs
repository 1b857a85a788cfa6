namespace Tsumugi.Tokenization.ByteLevel;

/// <summary>
/// Splits text on added tokens as the JavaScript library's DictionarySplitter does: scanning left to right, the
/// longest token starting at each position wins; lstrip/rstrip trim the whitespace of the neighbouring sections.
/// </summary>
sealed class AddedTokenMatcher
{
    readonly Dictionary<char, (string Content, AddedToken Token)[]> _byFirst;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirst = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).Select(t => (t.Content, t)).ToArray());
    }

    public bool IsEmpty => _byFirst.Count == 0;

    /// <summary>Sections in order: text (id −1) or an added token (its id). Empty text sections are left out.</summary>
    public List<(string Text, int Id)> Split(string text)
    {
        var parts = new List<(string Text, AddedToken? Token)>();
        int start = 0;
        for (int i = 0; i < text.Length;)
        {
            var match = _byFirst.Count == 0 ? null : MatchAt(text, i);
            if (match == null) { i++; continue; }
            if (i > start) parts.Add((text[start..i], null));
            parts.Add((match.Content, match));
            i += match.Content.Length;
            start = i;
        }
        if (start < text.Length) parts.Add((text[start..], null));
        for (int k = 0; k < parts.Count; k++)
        {
            if (parts[k].Token is not { } t) continue;
            if (t.LStrip && k > 0 && parts[k - 1].Token == null) parts[k - 1] = (TrimEnd(parts[k - 1].Text), null);
            if (t.RStrip && k + 1 < parts.Count && parts[k + 1].Token == null) parts[k + 1] = (TrimStart(parts[k + 1].Text), null);
        }
        var result = new List<(string, int)>(parts.Count);
        foreach (var (s, t) in parts)
            if (t != null) result.Add((s, t.Id));
            else if (s.Length > 0) result.Add((s, -1));
        return result;
    }

    AddedToken? MatchAt(string text, int i)
    {
        if (!_byFirst.TryGetValue(text[i], out var candidates)) return null;
        foreach (var (content, token) in candidates)
            if (i + content.Length <= text.Length && string.CompareOrdinal(text, i, content, 0, content.Length) == 0) return token;
        return null;
    }

    // JavaScript's trimStart/trimEnd whitespace (U+FEFF included, U+0085 not).
    static string TrimEnd(string s)
    {
        int e = s.Length;
        while (e > 0 && PreTokenizerSplitter.IsJsWhiteSpace(s[e - 1])) e--;
        return s[..e];
    }

    static string TrimStart(string s)
    {
        int b = 0;
        while (b < s.Length && PreTokenizerSplitter.IsJsWhiteSpace(s[b])) b++;
        return s[b..];
    }
}
