using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Tsumugi.Generation.Chat.Templates;

/// <summary>
/// The filters, tests and global functions chat templates use (reference chat-templates.md §1.1), each as one
/// table entry with Jinja2's semantics. A name not in the tables is rejected when the template is parsed.
/// </summary>
static partial class JinjaBuiltins
{
    public static bool HasFilter(string name) => Filters.ContainsKey(name);

    public static bool HasTest(string name) => Tests.ContainsKey(name);

    public static object? Filter(string name, object? value, Arguments args) =>
        Filters.TryGetValue(name, out var f) ? f(value, args) : throw new JinjaTypeError($"the filter '{name}' is not supported");

    public static bool Test(string name, object? value, Arguments args) =>
        Tests.TryGetValue(name, out var t) ? t(value, args) : throw new JinjaTypeError($"the test '{name}' is not supported");

    static readonly Dictionary<string, Func<object?, Arguments, object?>> Filters = new(StringComparer.Ordinal)
    {
        ["trim"] = (v, a) => Py.Strip(Py.Str(v), a.Get(0, "chars") as string),
        ["length"] = (v, _) => (long)Py.Length(v),
        ["count"] = (v, _) => (long)Py.Length(v),
        ["tojson"] = (v, a) => v is JinjaUndefined u ? throw new JinjaTypeError($"{u.Hint}; tojson cannot serialise it")
            : JinjaJson.Dumps(v, a.Get(0, "indent") is { } i ? (int)Py.ToLong(i) : null),
        ["join"] = (v, a) => string.Join(a.Get(0, "d") as string ?? "",
            Py.Iterate(v).Select(x => Py.Str(a.Get(1, "attribute") is { } attr ? GetAttr(x, Py.Str(attr)) : x))),
        ["upper"] = (v, _) => Py.Str(v).ToUpperInvariant(),
        ["lower"] = (v, _) => Py.Str(v).ToLowerInvariant(),
        ["title"] = (v, _) => TitleFilter(Py.Str(v)),
        ["capitalize"] = (v, _) => Capitalize(Py.Str(v)),
        ["replace"] = (v, a) => Replace(Py.Str(v), Str(a.Get(0, "old")), Str(a.Get(1, "new")), a.Get(2, "count") is { } c ? Py.ToLong(c) : -1),
        ["first"] = (v, _) => Py.Iterate(v).Take(1).ToList() is [var x] ? x : new JinjaUndefined("first of an empty sequence"),
        ["last"] = (v, _) => Py.Iterate(v).ToList() is { Count: > 0 } l ? l[^1] : new JinjaUndefined("last of an empty sequence"),
        ["reverse"] = (v, _) => v is string s ? string.Concat(Py.CodePoints(s).AsEnumerable().Reverse()) : Py.Iterate(v).Reverse().ToList(),
        ["list"] = (v, _) => Py.Iterate(v).ToList(),
        ["string"] = (v, _) => Py.Str(v),
        ["safe"] = (v, _) => v,
        ["int"] = (v, a) => ToInt(v, a.Get(0, "default", 0L)),
        ["float"] = (v, a) => ToFloat(v, a.Get(0, "default", 0.0)),
        ["abs"] = (v, _) => v is double d ? Math.Abs(d) : Py.IsNumber(v) ? (object)Math.Abs(Py.ToLong(v)) : throw new JinjaTypeError($"bad operand type for abs(): '{Py.TypeName(v)}'"),
        ["default"] = Default,
        ["d"] = Default,
        ["indent"] = (v, a) => Indent(Py.Str(v), a.Get(0, "width", 4L), Py.Truthy(a.Get(1, "first", false)), Py.Truthy(a.Get(2, "blank", false))),
        ["items"] = (v, _) => v is JinjaUndefined ? new List<object?>()
            : v is OrderedDictionary<string, object?> d ? d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()
            : throw new JinjaTypeError($"items expects a mapping, got '{Py.TypeName(v)}'"),
        ["dictsort"] = DictSort,
        ["sort"] = Sort,
        ["unique"] = (v, a) => Unique(v, a),
        ["map"] = Map,
        ["select"] = (v, a) => SelectByTest(v, a, keep: true, attribute: false),
        ["reject"] = (v, a) => SelectByTest(v, a, keep: false, attribute: false),
        ["selectattr"] = (v, a) => SelectByTest(v, a, keep: true, attribute: true),
        ["rejectattr"] = (v, a) => SelectByTest(v, a, keep: false, attribute: true),
        ["wordcount"] = (v, _) => (long)WordRegex().Count(Py.Str(v)),
    };

    static readonly Dictionary<string, Func<object?, Arguments, bool>> Tests = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, _) => v is not JinjaUndefined,
        ["undefined"] = (v, _) => v is JinjaUndefined,
        ["none"] = (v, _) => v is null,
        ["string"] = (v, _) => v is string,
        ["number"] = (v, _) => Py.IsNumber(v),
        ["integer"] = (v, _) => v is long,
        ["float"] = (v, _) => v is double,
        ["boolean"] = (v, _) => v is bool,
        ["true"] = (v, _) => v is true,
        ["false"] = (v, _) => v is false,
        ["mapping"] = (v, _) => v is OrderedDictionary<string, object?>,
        ["iterable"] = (v, _) => v is string or List<object?> or OrderedDictionary<string, object?> or JinjaUndefined,
        ["sequence"] = (v, _) => v is string or List<object?> or OrderedDictionary<string, object?>,
        ["callable"] = (v, _) => v is JinjaCallable,
        ["odd"] = (v, _) => Py.ToLong(v) % 2 != 0,
        ["even"] = (v, _) => Py.ToLong(v) % 2 == 0,
        ["divisibleby"] = (v, a) => Py.ToLong(v) % Py.ToLong(a.Get(0, "num")) == 0,
        ["equalto"] = (v, a) => Py.Eq(v, a.Get(0, "other")),
        ["eq"] = (v, a) => Py.Eq(v, a.Get(0, "other")),
        ["=="] = (v, a) => Py.Eq(v, a.Get(0, "other")),
        ["ne"] = (v, a) => !Py.Eq(v, a.Get(0, "other")),
        ["!="] = (v, a) => !Py.Eq(v, a.Get(0, "other")),
        ["lt"] = (v, a) => Py.Compare(v, a.Get(0, "other")) < 0,
        ["<"] = (v, a) => Py.Compare(v, a.Get(0, "other")) < 0,
        ["le"] = (v, a) => Py.Compare(v, a.Get(0, "other")) <= 0,
        ["<="] = (v, a) => Py.Compare(v, a.Get(0, "other")) <= 0,
        ["gt"] = (v, a) => Py.Compare(v, a.Get(0, "other")) > 0,
        [">"] = (v, a) => Py.Compare(v, a.Get(0, "other")) > 0,
        ["ge"] = (v, a) => Py.Compare(v, a.Get(0, "other")) >= 0,
        [">="] = (v, a) => Py.Compare(v, a.Get(0, "other")) >= 0,
        ["in"] = (v, a) => Contains(a.Get(0, "seq"), v),
        ["sameas"] = (v, a) => v is null ? a.Get(0, "other") is null : v is bool or long ? Py.Eq(v, a.Get(0, "other")) && v.GetType() == a.Get(0, "other")?.GetType() : ReferenceEquals(v, a.Get(0, "other")),
        ["lower"] = (v, _) => v is string s && s == s.ToLowerInvariant(),
        ["upper"] = (v, _) => v is string s && s == s.ToUpperInvariant(),
        ["escaped"] = (_, _) => false,
    };

    /// <summary>Global functions: range, namespace, dict, raise_exception and transformers' strftime_now.</summary>
    public static readonly IReadOnlyDictionary<string, JinjaCallable> Globals = new Dictionary<string, JinjaCallable>
    {
        ["range"] = new("range", Range),
        ["namespace"] = new("namespace", a =>
        {
            var ns = new JinjaNamespace();
            foreach (var p in a.Positional)
            {
                if (p is not OrderedDictionary<string, object?> d) throw new JinjaTypeError("namespace() takes a dict or keyword arguments");
                foreach (var (k, v) in d) ns.Attributes[k] = v;
            }
            foreach (var (k, v) in a.Named) ns.Attributes[k] = v;
            return ns;
        }),
        ["dict"] = new("dict", a =>
        {
            var d = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (k, v) in a.Named) d[k] = v;
            return d;
        }),
        ["raise_exception"] = new("raise_exception", a => throw new JinjaRaise(Py.Str(a.Get(0, "message", "")))),
        ["strftime_now"] = new("strftime_now", a => Strftime(DateTime.Now, Str(a.Get(0, "format")))),
    };

    static object? Range(Arguments a)
    {
        var n = a.Positional.Select(Py.ToLong).ToList();
        var (start, stop, step) = n.Count switch
        {
            1 => (0L, n[0], 1L),
            2 => (n[0], n[1], 1L),
            3 => (n[0], n[1], n[2]),
            _ => throw new JinjaTypeError("range() takes 1 to 3 integer arguments"),
        };
        if (step == 0) throw new JinjaTypeError("range() arg 3 must not be zero");
        var list = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (list.Count >= 100_000) throw new JinjaTypeError("range() is limited to 100000 items in the sandbox");
            list.Add(i);
        }
        return list;
    }

    static object? Default(object? v, Arguments a)
    {
        bool boolean = Py.Truthy(a.Get(1, "boolean", false));
        return v is JinjaUndefined || (boolean && !Py.Truthy(v)) ? a.Get(0, "default_value", "") : v;
    }

    static object? ToInt(object? v, object? fallback) => v switch
    {
        long or bool => Py.ToLong(v),
        double d => (long)Math.Truncate(d),
        string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (long)Math.Truncate(d),
        _ => fallback,
    };

    static object? ToFloat(object? v, object? fallback) => v switch
    {
        long or bool or double => Py.ToDouble(v),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => fallback,
    };

    /// <summary>Jinja2's indent filter (3.1): lines after the first get the indent; blank lines only with blank=true.</summary>
    static string Indent(string s, object? width, bool first, bool blank)
    {
        var pad = width is string w ? w : new string(' ', (int)Py.ToLong(width));
        var lines = (s + "\n").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').SkipLast(1).ToList();
        string rv;
        if (blank) rv = string.Join("\n" + pad, lines);
        else
        {
            rv = lines[0];
            if (lines.Count > 1) rv += "\n" + string.Join("\n", lines.Skip(1).Select(l => l.Length > 0 ? pad + l : l));
        }
        return first ? pad + rv : rv;
    }

    /// <summary>Jinja2's title filter: capitalise each word, words split at white space, '-', and opening brackets.</summary>
    static string TitleFilter(string s) =>
        string.Concat(WordBeginningRegex().Split(s).Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..].ToLowerInvariant()));

    [GeneratedRegex(@"([-\s\(\{\[\<]+)")]
    private static partial Regex WordBeginningRegex();

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordRegex();

    /// <summary>Sort key: strings are compared case-insensitively unless case_sensitive=true, as Jinja2 does.</summary>
    static object? SortKey(object? v, bool caseSensitive, string? attribute)
    {
        var x = attribute is null ? v : GetAttrPath(v, attribute);
        return !caseSensitive && x is string s ? s.ToLowerInvariant() : x;
    }

    static object? GetAttrPath(object? v, string path)
    {
        foreach (var part in path.Split('.'))
            v = long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? GetItem(v, i) : GetItem(v, part);
        return v;
    }

    static object? Sort(object? v, Arguments a)
    {
        bool reverse = Py.Truthy(a.Get(0, "reverse", false)), cs = Py.Truthy(a.Get(1, "case_sensitive", false));
        var attr = a.Get(2, "attribute") as string;
        var items = Py.Iterate(v).ToList();
        var sorted = items.Select((x, i) => (x, i)).OrderBy(p => SortKey(p.x, cs, attr), Comparer<object?>.Create(Py.Compare)).ThenBy(p => p.i).Select(p => p.x).ToList();
        if (reverse) sorted.Reverse();
        return sorted;
    }

    static object? DictSort(object? v, Arguments a)
    {
        if (v is not OrderedDictionary<string, object?> d) throw new JinjaTypeError($"dictsort expects a mapping, got '{Py.TypeName(v)}'");
        bool cs = Py.Truthy(a.Get(0, "case_sensitive", false)), reverse = Py.Truthy(a.Get(2, "reverse", false));
        bool byValue = (a.Get(1, "by", "key") as string) == "value";
        var pairs = d.Select(p => (object?)new List<object?> { p.Key, p.Value })
            .OrderBy(p => SortKey(((List<object?>)p!)[byValue ? 1 : 0], cs, null), Comparer<object?>.Create(Py.Compare)).ToList();
        if (reverse) pairs.Reverse();
        return pairs;
    }

    static object? Unique(object? v, Arguments a)
    {
        bool cs = Py.Truthy(a.Get(0, "case_sensitive", false));
        var attr = a.Get(1, "attribute") as string;
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var x in Py.Iterate(v))
        {
            var key = SortKey(x, cs, attr);
            if (seen.Any(s => Py.Eq(s, key))) continue;
            seen.Add(key);
            result.Add(x);
        }
        return result;
    }

    /// <summary><c>map('filter', args…)</c> or <c>map(attribute='x', default=…)</c>.</summary>
    static object? Map(object? v, Arguments a)
    {
        var items = Py.Iterate(v);
        if (a.Named.TryGetValue("attribute", out var attr))
        {
            var fallback = a.Named.TryGetValue("default", out var dflt) ? dflt : null;
            bool hasDefault = a.Named.ContainsKey("default");
            return items.Select(x => GetAttrPath(x, Py.Str(attr)) is var r && r is JinjaUndefined && hasDefault ? fallback : r).ToList();
        }
        if (a.Positional.Count == 0) throw new JinjaTypeError("map needs a filter name or attribute=");
        var filter = Str(a.Positional[0]);
        var rest = new Arguments(a.Positional.Skip(1).ToList(), a.Named);
        return items.Select(x => Filter(filter, x, rest)).ToList();
    }

    /// <summary>select/reject (test on the item) and selectattr/rejectattr (test on an attribute; no test = truthiness).</summary>
    static object? SelectByTest(object? v, Arguments a, bool keep, bool attribute)
    {
        int k = 0;
        string? attr = attribute ? Str(a.Positional.ElementAtOrDefault(k++)) : null;
        string? test = a.Positional.Count > k ? Str(a.Positional[k++]) : null;
        var rest = new Arguments(a.Positional.Skip(k).ToList(), a.Named);
        return Py.Iterate(v).Where(x =>
        {
            var subject = attr is null ? x : GetAttrPath(x, attr);
            bool passed = test is null ? Py.Truthy(subject) : Test(test, subject, rest);
            return passed == keep;
        }).ToList();
    }

    /// <summary>Python's strftime for the codes chat templates use (Llama-3.2: "%d %b %Y"), in the C locale.</summary>
    static string Strftime(DateTime t, string format)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            char c = format[++i];
            bool noPad = c == '-' && i + 1 < format.Length;
            if (noPad) c = format[++i];
            string Num(int n) => n.ToString(noPad ? "0" : "00", inv);
            sb.Append(c switch
            {
                'd' => Num(t.Day),
                'm' => Num(t.Month),
                'Y' => t.Year.ToString(inv),
                'y' => (t.Year % 100).ToString("00", inv),
                'H' => Num(t.Hour),
                'I' => Num(t.Hour % 12 == 0 ? 12 : t.Hour % 12),
                'M' => Num(t.Minute),
                'S' => Num(t.Second),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'b' => t.ToString("MMM", inv),
                'B' => t.ToString("MMMM", inv),
                'a' => t.ToString("ddd", inv),
                'A' => t.ToString("dddd", inv),
                'j' => t.DayOfYear.ToString(noPad ? "0" : "000", inv),
                '%' => "%",
                _ => throw new JinjaTypeError($"strftime_now: the format code %{c} is not supported"),
            });
        }
        return sb.ToString();
    }
}
