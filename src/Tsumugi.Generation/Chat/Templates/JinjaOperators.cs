using System.Text;

namespace Tsumugi.Generation.Chat.Templates;

/// <summary>Operators, attribute/item access and the string and dict methods templates call (Python semantics).</summary>
static partial class JinjaBuiltins
{
    /// <summary>
    /// <c>obj.name</c>, as Jinja2's sandbox resolves it: a method of the value first (so <c>d.items</c> is the
    /// method), then a dict key or namespace attribute; a missing one is Undefined. Attribute access on Undefined is
    /// an error, as with Jinja2's default Undefined.
    /// </summary>
    public static object? GetAttr(object? target, string name)
    {
        if (target is JinjaUndefined u) throw new JinjaTypeError($"{u.Hint}; so it has no attribute '{name}'");
        if (Method(target, name) is { } method) return method;
        return target switch
        {
            OrderedDictionary<string, object?> d => d.TryGetValue(name, out var v) ? v : new JinjaUndefined($"'dict object' has no attribute '{name}'"),
            JinjaNamespace n => n.Attributes.TryGetValue(name, out var v) ? v : new JinjaUndefined($"namespace has no attribute '{name}'"),
            _ => new JinjaUndefined($"'{Py.TypeName(target)}' object has no attribute '{name}'"),
        };
    }

    /// <summary><c>obj[key]</c>: dict keys, list and string indices (negative from the end); missing → Undefined.</summary>
    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case JinjaUndefined u: throw new JinjaTypeError($"{u.Hint}; so it has no item {Py.Repr(key)}");
            case OrderedDictionary<string, object?> d when key is string k:
                return d.TryGetValue(k, out var v) ? v : GetAttrOrUndefined(target, k);
            case List<object?> l when key is long or bool:
                long i = Py.ToLong(key);
                if (i < 0) i += l.Count;
                return i >= 0 && i < l.Count ? l[(int)i] : new JinjaUndefined($"list index {Py.Repr(key)} out of range");
            case string s when key is long or bool:
                var chars = Py.CodePoints(s);
                long j = Py.ToLong(key);
                if (j < 0) j += chars.Count;
                return j >= 0 && j < chars.Count ? chars[(int)j] : new JinjaUndefined($"string index {Py.Repr(key)} out of range");
            default:
                return key is string name ? GetAttrOrUndefined(target, name) : new JinjaUndefined($"'{Py.TypeName(target)}' object has no item {Py.Repr(key)}");
        }
    }

    static object? GetAttrOrUndefined(object? target, string name) =>
        Method(target, name) ?? (target is JinjaNamespace n && n.Attributes.TryGetValue(name, out var v) ? v
            : new JinjaUndefined($"'{Py.TypeName(target)}' object has no attribute '{name}'"));

    /// <summary>Python slicing <c>x[start:stop:step]</c> of lists and strings.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        var items = target switch
        {
            List<object?> l => l,
            string s => Py.CodePoints(s).Cast<object?>().ToList(),
            JinjaUndefined u => throw new JinjaTypeError($"{u.Hint}; so it cannot be sliced"),
            _ => throw new JinjaTypeError($"'{Py.TypeName(target)}' object is not subscriptable"),
        };
        long n = items.Count, st = step is null ? 1 : Py.ToLong(step);
        if (st == 0) throw new JinjaTypeError("slice step cannot be zero");
        long Clamp(object? v, long dflt)
        {
            if (v is null) return dflt;
            long x = Py.ToLong(v);
            if (x < 0) x += n;
            return st > 0 ? Math.Clamp(x, 0, n) : Math.Clamp(x, -1, n - 1);
        }
        long a = Clamp(start, st > 0 ? 0 : n - 1), b = Clamp(stop, st > 0 ? n : -1);
        var result = new List<object?>();
        for (long i = a; st > 0 ? i < b : i > b; i += st) result.Add(items[(int)i]);
        return target is string ? string.Concat(result.Cast<string>()) : result;
    }

    public static object? Negate(string op, object? v)
    {
        if (!Py.IsNumber(v)) throw new JinjaTypeError($"bad operand type for unary {op}: '{Py.TypeName(v)}'");
        if (op == "+") return v is bool b ? (b ? 1L : 0L) : v;
        return v is double d ? -d : (object)-Py.ToLong(v); // (object): a long must not widen to double
    }

    /// <summary>Arithmetic and <c>~</c>. Undefined operands are errors except for <c>~</c>, where they are "".</summary>
    public static object? Binary(string op, object? a, object? b)
    {
        if (op == "~") return Py.Str(a) + Py.Str(b);
        if (a is JinjaUndefined ua) throw new JinjaTypeError($"{ua.Hint}; so it cannot be used with '{op}'");
        if (b is JinjaUndefined ub) throw new JinjaTypeError($"{ub.Hint}; so it cannot be used with '{op}'");
        if (Py.IsNumber(a) && Py.IsNumber(b)) return Arithmetic(op, a, b);
        return (op, a, b) switch
        {
            ("+", string x, string y) => x + y,
            ("+", List<object?> x, List<object?> y) => x.Concat(y).ToList(),
            ("*", string x, long or bool) => string.Concat(Enumerable.Repeat(x, (int)Math.Max(0, Py.ToLong(b)))),
            ("*", List<object?> x, long or bool) => Enumerable.Repeat(x, (int)Math.Max(0, Py.ToLong(b))).SelectMany(l => l).ToList(),
            ("%", string, _) => throw new JinjaTypeError("printf-style string formatting ('%' on a string) is not supported"),
            _ => throw new JinjaTypeError($"unsupported operand type(s) for {op}: '{Py.TypeName(a)}' and '{Py.TypeName(b)}'"),
        };
    }

    static object? Arithmetic(string op, object? a, object? b)
    {
        bool ints = a is not double && b is not double;
        if (ints)
        {
            long x = Py.ToLong(a), y = Py.ToLong(b);
            switch (op)
            {
                case "+": return x + y;
                case "-": return x - y;
                case "*": return x * y;
                case "//": return y == 0 ? throw new JinjaTypeError("integer division or modulo by zero") : FloorDiv(x, y);
                case "%": return y == 0 ? throw new JinjaTypeError("integer division or modulo by zero") : x - y * FloorDiv(x, y);
                case "**" when y >= 0: return (long)Math.Pow(x, y);
            }
        }
        double p = Py.ToDouble(a), q = Py.ToDouble(b);
        return op switch
        {
            "+" => p + q,
            "-" => p - q,
            "*" => p * q,
            "/" => q == 0 ? throw new JinjaTypeError("division by zero") : p / q,
            "//" => q == 0 ? throw new JinjaTypeError("float floor division by zero") : Math.Floor(p / q),
            "%" => q == 0 ? throw new JinjaTypeError("float modulo") : p - q * Math.Floor(p / q),
            "**" => Math.Pow(p, q),
            _ => throw new JinjaTypeError($"unknown operator {op}"),
        };
    }

    static long FloorDiv(long x, long y) => x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0);

    public static bool Compare(string op, object? a, object? b) => op switch
    {
        "==" => Py.Eq(a, b),
        "!=" => !Py.Eq(a, b),
        "<" => Py.Compare(a, b) < 0,
        "<=" => Py.Compare(a, b) <= 0,
        ">" => Py.Compare(a, b) > 0,
        ">=" => Py.Compare(a, b) >= 0,
        "in" => Contains(b, a),
        "not in" => !Contains(b, a),
        _ => throw new JinjaTypeError($"unknown comparison {op}"),
    };

    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string t => s.Contains(t, StringComparison.Ordinal),
        string => throw new JinjaTypeError($"'in <string>' requires string as left operand, not {Py.TypeName(item)}"),
        List<object?> l => l.Any(x => Py.Eq(x, item)),
        OrderedDictionary<string, object?> d => item is string k && d.ContainsKey(k),
        JinjaNamespace n => item is string k && n.Attributes.ContainsKey(k),
        JinjaUndefined => false,
        _ => throw new JinjaTypeError($"argument of type '{Py.TypeName(container)}' is not iterable"),
    };

    // ---- methods ----

    static readonly HashSet<string> MutatingListMethods = ["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"];

    /// <summary>A bound method of a string, dict or list, or null when the value has no such method.</summary>
    static JinjaCallable? Method(object? target, string name) => target switch
    {
        string s => StringMethod(s, name),
        OrderedDictionary<string, object?> d => DictMethod(d, name),
        List<object?> when MutatingListMethods.Contains(name) => new JinjaCallable(name, _ =>
            throw new JinjaTypeError($"list.{name}() is not allowed: transformers renders in an immutable sandbox; build a new list with + instead")),
        _ => null,
    };

    static JinjaCallable? DictMethod(OrderedDictionary<string, object?> d, string name) => name switch
    {
        "items" => new(name, _ => d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()),
        "keys" => new(name, _ => d.Keys.Cast<object?>().ToList()),
        "values" => new(name, _ => d.Values.ToList()),
        "get" => new(name, a => a.Get(0, "key") is string k && d.TryGetValue(k, out var v) ? v : a.Get(1, "default")),
        _ => null,
    };

    static JinjaCallable? StringMethod(string s, string name) => name switch
    {
        "strip" => new(name, a => Py.Strip(s, a.Get(0, "chars") as string)),
        "lstrip" => new(name, a => Py.Strip(s, a.Get(0, "chars") as string, right: false)),
        "rstrip" => new(name, a => Py.Strip(s, a.Get(0, "chars") as string, left: false)),
        "upper" => new(name, _ => s.ToUpperInvariant()),
        "lower" => new(name, _ => s.ToLowerInvariant()),
        "title" => new(name, _ => PyTitle(s)),
        "capitalize" => new(name, _ => Capitalize(s)),
        "startswith" => new(name, a => Affixes(a.Get(0, "prefix")).Any(p => s.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => new(name, a => Affixes(a.Get(0, "suffix")).Any(p => s.EndsWith(p, StringComparison.Ordinal))),
        "replace" => new(name, a => Replace(s, Str(a.Get(0, "old")), Str(a.Get(1, "new")), a.Get(2, "count") is { } c ? Py.ToLong(c) : -1)),
        "split" => new(name, a => Split(s, a.Get(0, "sep") as string, a.Get(1, "maxsplit") is { } m ? Py.ToLong(m) : -1)),
        "splitlines" => new(name, _ => s.Split('\n').Select(l => (object?)l.TrimEnd('\r')).ToList() is var lines && s.EndsWith('\n') ? lines[..^1] : lines),
        "find" => new(name, a => (long)s.IndexOf(Str(a.Get(0, "sub")), StringComparison.Ordinal)),
        "count" => new(name, a => CountOf(s, Str(a.Get(0, "sub")))),
        "join" => new(name, a => string.Join(s, Py.Iterate(a.Get(0, "iterable")).Select(Str))),
        "isdigit" => new(name, _ => s.Length > 0 && s.All(char.IsDigit)),
        "isspace" => new(name, _ => s.Length > 0 && s.All(Py.IsSpace)),
        _ => null,
    };

    static string Str(object? v) => v as string ?? throw new JinjaTypeError($"expected a string, got '{Py.TypeName(v)}'");

    static IEnumerable<string> Affixes(object? v) => v switch
    {
        string s => [s],
        List<object?> l => l.Select(Str),
        _ => throw new JinjaTypeError($"startswith/endswith take a string or a tuple of strings, not '{Py.TypeName(v)}'"),
    };

    static long CountOf(string s, string sub)
    {
        if (sub.Length == 0) return Py.Length(s) + 1;
        long n = 0;
        for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0) return old.Length == 0 ? string.Join(replacement, ["", .. Py.CodePoints(s), ""]) : s.Replace(old, replacement, StringComparison.Ordinal);
        var sb = new StringBuilder();
        int pos = 0;
        for (long k = 0; k < count && old.Length > 0; k++)
        {
            int i = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (i < 0) break;
            sb.Append(s, pos, i - pos).Append(replacement);
            pos = i + old.Length;
        }
        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    /// <summary>Python str.split: no separator splits on runs of white space and drops empty ends.</summary>
    static List<object?> Split(string s, string? sep, long maxSplit)
    {
        var parts = new List<object?>();
        if (sep is null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && Py.IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && parts.Count == maxSplit) { parts.Add(Py.Strip(s[i..], null, left: false)); break; }
                int j = i;
                while (j < s.Length && !Py.IsSpace(s[j])) j++;
                parts.Add(s[i..j]);
                i = j;
            }
            return parts;
        }
        if (sep.Length == 0) throw new JinjaTypeError("empty separator");
        int pos = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int k = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (k < 0) break;
            parts.Add(s[pos..k]);
            pos = k + sep.Length;
        }
        parts.Add(s[pos..]);
        return parts;
    }

    /// <summary>Python str.title(): upper-case a letter after a non-letter, lower-case the others.</summary>
    static string PyTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return sb.ToString();
    }

    static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
}
