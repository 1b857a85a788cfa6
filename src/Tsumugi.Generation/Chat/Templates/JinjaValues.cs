using System.Globalization;
using System.Text;

namespace Tsumugi.Generation.Chat.Templates;

// The value model. Template values are plain CLR objects, one type per Python type the templates see:
//   string → string; int → long; float → double; bool → bool; None → null; list/tuple → List<object?>;
//   dict → OrderedDictionary<string, object?> (JSON key order is kept, which tojson must reproduce);
//   Undefined → JinjaUndefined; namespace() → JinjaNamespace; macros and built-ins → JinjaCallable.

/// <summary>
/// Jinja2's default Undefined: renders as "", is falsy, iterates as empty, has length 0; any other use (attribute
/// or item access, arithmetic, tojson) is an error naming what was undefined.
/// </summary>
sealed class JinjaUndefined(string hint)
{
    public static readonly JinjaUndefined Missing = new("a value is undefined");

    /// <summary>Why it is undefined, e.g. <c>'dict object' has no attribute 'tool_calls'</c>.</summary>
    public string Hint { get; } = hint;
}

/// <summary><c>namespace(...)</c>: the one mutable object, so <c>set ns.x</c> inside a loop is seen after it.</summary>
sealed class JinjaNamespace
{
    public OrderedDictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>Positional and keyword arguments of a call, already evaluated.</summary>
sealed record Arguments(IReadOnlyList<object?> Positional, IReadOnlyDictionary<string, object?> Named)
{
    public static readonly Arguments Empty = new([], new Dictionary<string, object?>());

    /// <summary>The argument at <paramref name="index"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null) =>
        index < Positional.Count ? Positional[index] : Named.TryGetValue(name, out var v) ? v : fallback;
}

/// <summary>Something a template can call: a macro, a global function (range, namespace, raise_exception) or a bound method.</summary>
sealed class JinjaCallable(string name, Func<Arguments, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(Arguments args) => invoke(args);
}

/// <summary>Python semantics of the value model: truth, str(), repr(), ==, ordering, len, iteration.</summary>
static class Py
{
    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        string => "str",
        bool => "bool",
        long => "int",
        double => "float",
        List<object?> => "list",
        OrderedDictionary<string, object?> => "dict",
        JinjaUndefined => "Undefined",
        JinjaNamespace => "Namespace",
        JinjaCallable => "function",
        _ => v.GetType().Name,
    };

    public static bool Truthy(object? v) => v switch
    {
        null or JinjaUndefined => false,
        bool b => b,
        long i => i != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        OrderedDictionary<string, object?> d => d.Count > 0,
        _ => true,
    };

    /// <summary>Python's str(): what <c>{{ v }}</c> prints. Undefined prints as "".</summary>
    public static string Str(object? v) => v switch
    {
        string s => s,
        JinjaUndefined => "",
        _ => Repr(v),
    };

    public static string Repr(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long i => i.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        string s => StringRepr(s),
        List<object?> l => "[" + string.Join(", ", l.Select(Repr)) + "]",
        OrderedDictionary<string, object?> d => "{" + string.Join(", ", d.Select(p => StringRepr(p.Key) + ": " + Repr(p.Value))) + "}",
        JinjaNamespace n => "<Namespace " + string.Join(", ", n.Attributes.Select(p => p.Key + "=" + Repr(p.Value))) + ">",
        JinjaUndefined => "",
        JinjaCallable c => $"<function {c.Name}>",
        _ => v.ToString() ?? "",
    };

    /// <summary>Python's repr(float): shortest round-trip digits, always with a '.' or exponent.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        if (r.Contains('E'))
        {
            // .NET "1E+16" → Python "1e+16"; exponent always has a sign and at least two digits.
            var (mant, exp) = (r[..r.IndexOf('E')], int.Parse(r[(r.IndexOf('E') + 1)..], CultureInfo.InvariantCulture));
            return mant + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }
        return r.Contains('.') ? r : r + ".0";
    }

    static string StringRepr(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (char c in s)
        {
            if (c == quote || c == '\\') sb.Append('\\').Append(c);
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (c < ' ' || c == '\x7f') sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append(quote).ToString();
    }

    /// <summary>Python ==: numbers by value (True == 1), containers element-wise, Undefined equals only Undefined.</summary>
    public static bool Eq(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a) == ToDouble(b) && (a is double || b is double || ToLong(a) == ToLong(b));
        return (a, b) switch
        {
            (null, null) => true,
            (JinjaUndefined, JinjaUndefined) => true,
            (string x, string y) => x == y,
            (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => Eq(p.First, p.Second)),
            (OrderedDictionary<string, object?> x, OrderedDictionary<string, object?> y) =>
                x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var w) && Eq(p.Value, w)),
            _ => ReferenceEquals(a, b),
        };
    }

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static double ToDouble(object? v) => v switch { long i => i, double d => d, bool b => b ? 1 : 0, _ => throw new InvalidCastException() };

    public static long ToLong(object? v) => v switch { long i => i, double d => (long)d, bool b => b ? 1 : 0, _ => throw new InvalidCastException() };

    /// <summary>Python ordering for &lt; &gt; and sort: numbers with numbers, strings by code point, lists element-wise.</summary>
    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a).CompareTo(ToDouble(b));
        if (a is string x && b is string y) return CompareCodePoints(x, y);
        if (a is List<object?> l && b is List<object?> m)
        {
            for (int i = 0; i < Math.Min(l.Count, m.Count); i++)
            {
                int c = Compare(l[i], m[i]);
                if (c != 0) return c;
            }
            return l.Count.CompareTo(m.Count);
        }
        throw new JinjaTypeError($"'<' is not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    static int CompareCodePoints(string a, string b)
    {
        var (x, y) = (a.EnumerateRunes().GetEnumerator(), b.EnumerateRunes().GetEnumerator());
        while (true)
        {
            bool hasX = x.MoveNext(), hasY = y.MoveNext();
            if (!hasX || !hasY) return hasX.CompareTo(hasY);
            int c = x.Current.Value.CompareTo(y.Current.Value);
            if (c != 0) return c;
        }
    }

    /// <summary>The characters of a string as Python sees them: code points, so an emoji is one element.</summary>
    public static List<string> CodePoints(string s) => s.EnumerateRunes().Select(r => r.ToString()).ToList();

    public static int Length(object? v) => v switch
    {
        string s => s.EnumerateRunes().Count(),
        List<object?> l => l.Count,
        OrderedDictionary<string, object?> d => d.Count,
        JinjaUndefined => 0,
        _ => throw new JinjaTypeError($"object of type '{TypeName(v)}' has no len()"),
    };

    /// <summary>What <c>for x in v</c> walks: list items, dict keys, string characters; Undefined is empty.</summary>
    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        List<object?> l => l,
        OrderedDictionary<string, object?> d => d.Keys,
        string s => CodePoints(s),
        JinjaUndefined => [],
        _ => throw new JinjaTypeError($"'{TypeName(v)}' object is not iterable"),
    };

    /// <summary>Python's str.isspace() set, which str.strip() and the trim filter use (wider than ASCII, e.g. U+3000, U+001C–U+001F).</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    public static string Strip(string s, string? chars, bool left = true, bool right = true)
    {
        Func<char, bool> strip = chars is null ? IsSpace : chars.Contains;
        int a = 0, b = s.Length;
        while (left && a < b && strip(s[a])) a++;
        while (right && b > a && strip(s[b - 1])) b--;
        return s[a..b];
    }
}

/// <summary>A Python TypeError/ValueError raised while evaluating; the evaluator adds the template position.</summary>
sealed class JinjaTypeError(string message) : Exception(message);
