using System.Globalization;

namespace Tsumugi.Corpus.Pipeline;

/// <summary>
/// The parameters of one step as read from YAML (or built from CLI flags). Tracks which keys were used so that a
/// misspelt key is an error naming the key and where it is, not a silently ignored setting.
/// </summary>
public sealed class StepParams
{
    readonly Dictionary<string, object> _values;
    readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public StepParams(string step, string where, Dictionary<string, object>? values = null)
    {
        Step = step;
        Where = where;
        _values = values ?? new(StringComparer.Ordinal);
    }

    public string Step { get; }
    public string Where { get; }

    /// <summary>A copy with no keys marked used (each build validates from scratch).</summary>
    public StepParams Clone() => new(Step, Where, new Dictionary<string, object>(_values, StringComparer.Ordinal));

    public bool Has(string key) => _values.ContainsKey(key);

    public void Set(string key, object value) => _values[key] = value;

    object? Raw(string key)
    {
        _used.Add(key);
        return _values.GetValueOrDefault(key);
    }

    FormatException Bad(string key, string expected) =>
        new($"{Where}: step '{Step}': key '{key}' must be {expected}, got '{_values[key]}'");

    public double Double(string key, double fallback)
    {
        var v = Raw(key);
        if (v is null) return fallback;
        return double.TryParse(v.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Bad(key, "a number");
    }

    public int Int(string key, int fallback)
    {
        var v = Raw(key);
        if (v is null) return fallback;
        return int.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw Bad(key, "an integer");
    }

    public bool Bool(string key, bool fallback)
    {
        var v = Raw(key);
        if (v is null) return fallback;
        return v.ToString()?.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Bad(key, "true or false"),
        };
    }

    public string? String(string key, string? fallback)
    {
        var v = Raw(key);
        if (v is null) return fallback;
        if (v is List<string>) throw Bad(key, "a single value");
        return v.ToString();
    }

    public List<string>? List(string key, List<string>? fallback)
    {
        var v = Raw(key);
        return v switch
        {
            null => fallback,
            List<string> l => l,
            _ => [v.ToString()!],
        };
    }

    /// <summary>Throws for keys nobody asked for.</summary>
    public void EnsureAllUsed()
    {
        foreach (var key in _values.Keys)
            if (!_used.Contains(key))
                throw new FormatException($"{Where}: step '{Step}': unknown key '{key}'; known keys: {string.Join(", ", _used.Order())}");
    }
}
