using System.Text;

namespace Tsumugi.Generation.Chat.Templates;

/// <summary>
/// Walks a parsed template and writes its output. Scoping follows Jinja2: a for-loop iteration and a macro call get
/// their own scope (a <c>set</c> inside them is gone afterwards), <c>if</c> does not; <c>namespace()</c> objects
/// carry state out of loops. <c>{% generation %}</c> blocks record the character span of their output.
/// </summary>
sealed class JinjaEvaluator
{
    /// <summary>Variables of one scope; lookups fall back to the enclosing one.</summary>
    sealed class Scope(Scope? parent)
    {
        readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

        public bool TryGet(string name, out object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s._vars.TryGetValue(name, out value)) return true;
            value = null;
            return false;
        }

        public Scope? Parent { get; } = parent;

        public void Set(string name, object? value) => _vars[name] = value;
    }

    enum Flow { Normal, Break, Continue }

    readonly StringBuilder _root = new();
    readonly List<(int Start, int End)> _generationSpans = [];
    StringBuilder _out;

    JinjaEvaluator() => _out = _root;

    /// <summary>Renders <paramref name="body"/> with <paramref name="variables"/> on top of the globals.</summary>
    public static (string Text, IReadOnlyList<(int Start, int End)> GenerationSpans) Render(
        IReadOnlyList<Stmt> body, IReadOnlyDictionary<string, object?> variables)
    {
        var evaluator = new JinjaEvaluator();
        var globals = new Scope(null);
        foreach (var (name, fn) in JinjaBuiltins.Globals) globals.Set(name, fn);
        var scope = new Scope(globals);
        foreach (var (name, value) in variables) scope.Set(name, value);
        var flow = evaluator.Exec(body, scope);
        if (flow != Flow.Normal) throw new ChatTemplateException(new SourcePos(1, 1), "break/continue outside a for loop");
        return (evaluator._root.ToString(), evaluator._generationSpans);
    }

    Flow Exec(IReadOnlyList<Stmt> body, Scope scope)
    {
        foreach (var stmt in body)
        {
            var flow = Exec(stmt, scope);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    Flow Exec(Stmt stmt, Scope scope)
    {
        try
        {
            return ExecCore(stmt, scope);
        }
        catch (JinjaTypeError x)
        {
            throw new ChatTemplateException(stmt.At, x.Message);
        }
        catch (JinjaRaise r)
        {
            throw new ChatTemplateRaisedException(stmt.At, r.Message);
        }
    }

    Flow ExecCore(Stmt stmt, Scope scope)
    {
        switch (stmt)
        {
            case TextStmt t: _out.Append(t.Text); return Flow.Normal;
            case OutputStmt o: _out.Append(Py.Str(Eval(o.Value, scope))); return Flow.Normal;
            case IfStmt i:
                foreach (var (test, body) in i.Branches)
                    if (Py.Truthy(Eval(test, scope))) return Exec(body, scope);
                return Exec(i.Else, scope);
            case ForStmt f: return ExecFor(f, scope);
            case SetStmt s: ExecSet(s, scope); return Flow.Normal;
            case MacroStmt m: scope.Set(m.Name, MakeMacro(m.Name, m.Params, m.Body, scope)); return Flow.Normal;
            case CallBlockStmt c:
                var caller = MakeMacro("caller", c.CallerParams, c.Body, scope);
                var callee = Eval(c.Call.Callee, scope);
                var args = EvalArgs(c.Call.Args, scope);
                var named = new Dictionary<string, object?>(args.Named) { ["caller"] = caller };
                _out.Append(Py.Str(Invoke(c.Call.At, callee, args with { Named = named })));
                return Flow.Normal;
            case FilterBlockStmt fb:
                object? text = Capture(fb.Body, scope);
                foreach (var filter in fb.Filters) text = ApplyFilter(filter, text, scope);
                _out.Append(Py.Str(text));
                return Flow.Normal;
            case BreakStmt: return Flow.Break;
            case ContinueStmt: return Flow.Continue;
            case GenerationStmt g:
                if (!ReferenceEquals(_out, _root))
                    throw new ChatTemplateException(g.At, "{% generation %} inside a macro, set block or filter block is not supported");
                int start = _root.Length;
                var flow = Exec(g.Body, scope);
                _generationSpans.Add((start, _root.Length));
                return flow;
            default:
                throw new ChatTemplateException(stmt.At, $"unsupported statement {stmt.GetType().Name}");
        }
    }

    Flow ExecFor(ForStmt f, Scope scope)
    {
        var source = Eval(f.Iterable, scope);
        List<object?> items;
        try
        {
            items = Py.Iterate(source).ToList();
        }
        catch (JinjaTypeError e)
        {
            throw new ChatTemplateException(f.Iterable.At, e.Message);
        }
        if (f.Filter is not null)
            items = items.Where(item => { var s = new Scope(scope); Bind(f, s, item); return Py.Truthy(Eval(f.Filter, s)); }).ToList();
        for (int i = 0; i < items.Count; i++)
        {
            var iteration = new Scope(scope);
            Bind(f, iteration, items[i]);
            iteration.Set("loop", LoopInfo(items, i));
            if (Exec(f.Body, iteration) == Flow.Break) break;
        }
        return items.Count == 0 ? Exec(f.Else, scope) : Flow.Normal;
    }

    static void Bind(ForStmt f, Scope scope, object? item)
    {
        if (f.Targets.Count == 1) { scope.Set(f.Targets[0], item); return; }
        var parts = Unpack(f.At, item, f.Targets.Count);
        for (int k = 0; k < parts.Count; k++) scope.Set(f.Targets[k], parts[k]);
    }

    static List<object?> Unpack(SourcePos at, object? value, int count)
    {
        var parts = value is string or List<object?> ? Py.Iterate(value).ToList()
            : throw new ChatTemplateException(at, $"cannot unpack a '{Py.TypeName(value)}' into {count} names");
        if (parts.Count != count)
            throw new ChatTemplateException(at, $"{(parts.Count > count ? "too many" : "not enough")} values to unpack (expected {count}, got {parts.Count})");
        return parts;
    }

    static OrderedDictionary<string, object?> LoopInfo(List<object?> items, int i) => new(StringComparer.Ordinal)
    {
        ["index"] = (long)i + 1,
        ["index0"] = (long)i,
        ["revindex"] = (long)(items.Count - i),
        ["revindex0"] = (long)(items.Count - i - 1),
        ["first"] = i == 0,
        ["last"] = i == items.Count - 1,
        ["length"] = (long)items.Count,
        ["depth"] = 1L,
        ["depth0"] = 0L,
        ["previtem"] = i > 0 ? items[i - 1] : new JinjaUndefined("there is no previous item"),
        ["nextitem"] = i < items.Count - 1 ? items[i + 1] : new JinjaUndefined("there is no next item"),
    };

    void ExecSet(SetStmt s, Scope scope)
    {
        object? value = s.Value is null ? Capture(s.Body, scope) : Eval(s.Value, scope);
        if (s.Attribute is not null)
        {
            if (!scope.TryGet(s.Names[0], out var target) || target is not JinjaNamespace ns)
                throw new ChatTemplateException(s.At, $"cannot assign attribute '{s.Attribute}' on '{s.Names[0]}': only namespace() objects take attributes");
            ns.Attributes[s.Attribute] = value;
            return;
        }
        if (s.Names.Count == 1) { scope.Set(s.Names[0], value); return; }
        var parts = Unpack(s.At, value, s.Names.Count);
        for (int k = 0; k < parts.Count; k++) scope.Set(s.Names[k], parts[k]);
    }

    /// <summary>Runs <paramref name="body"/> into a fresh buffer (set blocks, macros, filter blocks) and returns its text.</summary>
    string Capture(IReadOnlyList<Stmt> body, Scope scope)
    {
        var saved = _out;
        _out = new StringBuilder();
        try
        {
            Exec(body, scope);
            return _out.ToString();
        }
        finally
        {
            _out = saved;
        }
    }

    JinjaCallable MakeMacro(string name, IReadOnlyList<MacroParam> ps, IReadOnlyList<Stmt> body, Scope closure) =>
        new(name, args =>
        {
            var scope = new Scope(closure);
            if (args.Positional.Count > ps.Count)
                throw new JinjaTypeError($"macro '{name}' takes {ps.Count} arguments but {args.Positional.Count} were given");
            foreach (var key in args.Named.Keys)
                if (key != "caller" && ps.All(p => p.Name != key)) throw new JinjaTypeError($"macro '{name}' has no parameter '{key}'");
            for (int k = 0; k < ps.Count; k++)
            {
                var p = ps[k];
                object? value = k < args.Positional.Count ? args.Positional[k]
                    : args.Named.TryGetValue(p.Name, out var v) ? v
                    : p.Default is not null ? Eval(p.Default, scope)
                    : new JinjaUndefined($"parameter '{p.Name}' of macro '{name}' was not given");
                scope.Set(p.Name, value);
            }
            if (args.Named.TryGetValue("caller", out var caller)) scope.Set("caller", caller);
            return Capture(body, scope);
        });

    // ---- expressions ----

    object? Eval(Expr e, Scope scope)
    {
        try
        {
            return EvalCore(e, scope);
        }
        catch (JinjaTypeError x)
        {
            throw new ChatTemplateException(e.At, x.Message);
        }
        catch (JinjaRaise r)
        {
            throw new ChatTemplateRaisedException(e.At, r.Message);
        }
    }

    object? EvalCore(Expr e, Scope scope) => e switch
    {
        LiteralExpr l => l.Value,
        NameExpr n => scope.TryGet(n.Name, out var v) ? v : new JinjaUndefined($"'{n.Name}' is undefined"),
        ListExpr l => l.Items.Select(i => Eval(i, scope)).ToList(),
        DictExpr d => MakeDict(d, scope),
        AttrExpr a => JinjaBuiltins.GetAttr(Eval(a.Target, scope), a.Name),
        ItemExpr i => JinjaBuiltins.GetItem(Eval(i.Target, scope), Eval(i.Index, scope)),
        SliceExpr s => JinjaBuiltins.Slice(Eval(s.Target, scope), Opt(s.Start, scope), Opt(s.Stop, scope), Opt(s.Step, scope)),
        CallExpr c => Invoke(c.At, Eval(c.Callee, scope), EvalArgs(c.Args, scope)),
        FilterExpr f => ApplyFilter(f, Eval(f.Value!, scope), scope),
        TestExpr t => JinjaBuiltins.Test(t.Name, Eval(t.Value, scope), EvalArgs(t.Args, scope)) != t.Negated,
        UnaryExpr u => u.Op == "not" ? !Py.Truthy(Eval(u.Operand, scope)) : JinjaBuiltins.Negate(u.Op, Eval(u.Operand, scope)),
        BinaryExpr { Op: "and" } b => Eval(b.Left, scope) is var l && !Py.Truthy(l) ? l : Eval(b.Right, scope),
        BinaryExpr { Op: "or" } b => Eval(b.Left, scope) is var l && Py.Truthy(l) ? l : Eval(b.Right, scope),
        BinaryExpr b => JinjaBuiltins.Binary(b.Op, Eval(b.Left, scope), Eval(b.Right, scope)),
        CompareExpr c => EvalCompare(c, scope),
        CondExpr c => Py.Truthy(Eval(c.Test, scope)) ? Eval(c.Then, scope)
            : c.Else is null ? new JinjaUndefined("the conditional expression has no else") : Eval(c.Else, scope),
        _ => throw new ChatTemplateException(e.At, $"unsupported expression {e.GetType().Name}"),
    };

    object? Opt(Expr? e, Scope scope) => e is null ? null : Eval(e, scope);

    OrderedDictionary<string, object?> MakeDict(DictExpr d, Scope scope)
    {
        var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in d.Pairs)
            dict[Eval(k, scope) as string ?? throw new ChatTemplateException(k.At, "only string keys are supported in dict literals")] = Eval(v, scope);
        return dict;
    }

    bool EvalCompare(CompareExpr c, Scope scope)
    {
        var left = Eval(c.First, scope);
        foreach (var (op, rightExpr) in c.Rest)
        {
            var right = Eval(rightExpr, scope);
            if (!JinjaBuiltins.Compare(op, left, right)) return false;
            left = right;
        }
        return true;
    }

    Arguments EvalArgs(CallArgs args, Scope scope) =>
        args.Positional.Count == 0 && args.Named.Count == 0 ? Arguments.Empty
            : new(args.Positional.Select(a => Eval(a, scope)).ToList(), args.Named.ToDictionary(n => n.Name, n => Eval(n.Value, scope)));

    static object? Invoke(SourcePos at, object? callee, Arguments args) => callee switch
    {
        JinjaCallable f => f.Invoke(args),
        JinjaUndefined u => throw new ChatTemplateException(at, $"cannot call an undefined value: {u.Hint}"),
        _ => throw new ChatTemplateException(at, $"'{Py.TypeName(callee)}' object is not callable"),
    };

    object? ApplyFilter(FilterExpr f, object? value, Scope scope) => JinjaBuiltins.Filter(f.Name, value, EvalArgs(f.Args, scope));
}

/// <summary>Thrown by <c>raise_exception(msg)</c>; the evaluator turns it into a <see cref="ChatTemplateRaisedException"/> with the position.</summary>
sealed class JinjaRaise(string message) : Exception(message);
