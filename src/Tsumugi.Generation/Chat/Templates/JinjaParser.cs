using System.Globalization;

namespace Tsumugi.Generation.Chat.Templates;

/// <summary>
/// Recursive-descent parser from tokens to <see cref="Stmt"/> trees, with Jinja2's operator precedence
/// (jinja2/parser.py): conditional &lt; or &lt; and &lt; not &lt; comparison &lt; + - &lt; ~ &lt; * / // % &lt; ** &lt;
/// unary - &lt; postfix (attribute, item, call) and filters/tests. A statement it does not know (include, extends,
/// raw, with, …) is an error naming the tag and its position, never skipped.
/// </summary>
sealed class JinjaParser
{
    readonly List<Token> _tokens;
    int _pos;

    JinjaParser(List<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<Stmt> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Lex(source));
        var body = parser.ParseBody([]);
        if (parser.Peek.Kind != TokenKind.End) throw parser.Error(parser.Peek.At, "unexpected tag");
        return body;
    }

    Token Peek => _tokens[_pos];

    Token Next() => _tokens[_pos++];

    static ChatTemplateException Unexpected(Token t, string wanted) =>
        new(t.At, $"expected {wanted} but found {Describe(t)}");

    ChatTemplateException Error(SourcePos at, string message) => new(at, message);

    static string Describe(Token t) => t.Kind switch
    {
        TokenKind.End => "the end of the template",
        TokenKind.String => $"the string '{t.Value}'",
        TokenKind.ExprClose or TokenKind.StmtClose => $"'{t.Value}'",
        _ => $"'{t.Value}'",
    };

    bool IsOp(string op) => Peek.Kind == TokenKind.Operator && Peek.Value == op;

    bool IsName(string name) => Peek.Kind == TokenKind.Name && Peek.Value == name;

    Token ExpectOp(string op) => IsOp(op) ? Next() : throw Unexpected(Peek, $"'{op}'");

    string ExpectName()
    {
        if (Peek.Kind != TokenKind.Name) throw Unexpected(Peek, "a name");
        return Next().Value;
    }

    void ExpectKeyword(string name)
    {
        if (!IsName(name)) throw Unexpected(Peek, $"'{name}'");
        _pos++;
    }

    void ExpectStmtClose()
    {
        if (Peek.Kind != TokenKind.StmtClose) throw Unexpected(Peek, "'%}'");
        _pos++;
    }

    /// <summary>Statements up to (not including) a <c>{% name %}</c> whose name is in <paramref name="until"/>.</summary>
    List<Stmt> ParseBody(string[] until)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Peek;
            switch (t.Kind)
            {
                case TokenKind.End:
                    if (until.Length > 0) throw Error(t.At, $"the template ends inside a block; expected {{% {string.Join(" / ", until)} %}}");
                    return body;
                case TokenKind.Text:
                    _pos++;
                    body.Add(new TextStmt(t.At, t.Value));
                    break;
                case TokenKind.ExprOpen:
                    _pos++;
                    var value = ParseExpression();
                    if (Peek.Kind != TokenKind.ExprClose) throw Unexpected(Peek, "'}}'");
                    _pos++;
                    body.Add(new OutputStmt(t.At, value));
                    break;
                case TokenKind.StmtOpen:
                    var keyword = _tokens[_pos + 1];
                    if (keyword.Kind == TokenKind.Name && until.Contains(keyword.Value)) return body;
                    _pos += 2;
                    if (keyword.Kind != TokenKind.Name) throw Unexpected(keyword, "a statement name");
                    body.Add(ParseStatement(keyword));
                    break;
                default:
                    throw Unexpected(t, "text or a tag");
            }
        }
    }

    /// <summary>Consumes <c>{% name %}</c> (the closing tag of a block).</summary>
    string EndTag()
    {
        _pos++; // {%
        var name = Next().Value;
        ExpectStmtClose();
        return name;
    }

    Stmt ParseStatement(Token keyword)
    {
        var at = keyword.At;
        switch (keyword.Value)
        {
            case "if": return ParseIf(at);
            case "for": return ParseFor(at);
            case "set": return ParseSet(at);
            case "macro": return ParseMacro(at);
            case "call": return ParseCallBlock(at);
            case "filter": return ParseFilterBlock(at);
            case "break": ExpectStmtClose(); return new BreakStmt(at);
            case "continue": ExpectStmtClose(); return new ContinueStmt(at);
            case "generation":
                ExpectStmtClose();
                var body = ParseBody(["endgeneration"]);
                EndTag();
                return new GenerationStmt(at, body);
            case "endif" or "endfor" or "endset" or "endmacro" or "endcall" or "endfilter" or "endgeneration" or "else" or "elif":
                throw Error(at, $"'{{% {keyword.Value} %}}' without a matching opening block");
            default:
                throw Error(at, $"the statement '{{% {keyword.Value} %}}' is not supported by Tsumugi's chat-template renderer "
                    + "(supported: if, for, set, macro, call, filter, break, continue, generation)");
        }
    }

    Stmt ParseIf(SourcePos at)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        var test = ParseExpression();
        ExpectStmtClose();
        while (true)
        {
            var body = ParseBody(["elif", "else", "endif"]);
            branches.Add((test, body));
            var tag = EndTagName();
            if (tag == "elif") { test = ParseExpression(); ExpectStmtClose(); continue; }
            ExpectStmtClose();
            if (tag == "endif") return new IfStmt(at, branches, []);
            var elseBody = ParseBody(["endif"]);
            EndTag();
            return new IfStmt(at, branches, elseBody);
        }
    }

    /// <summary>Consumes <c>{% name</c> and returns the name, leaving the rest of the tag.</summary>
    string EndTagName()
    {
        _pos++;
        return Next().Value;
    }

    Stmt ParseFor(SourcePos at)
    {
        var targets = new List<string> { ExpectName() };
        while (IsOp(",")) { _pos++; targets.Add(ExpectName()); }
        ExpectKeyword("in");
        var iterable = ParseCondition(withCondExpr: false);
        Expr? filter = null;
        if (IsName("if")) { _pos++; filter = ParseExpression(); }
        if (IsName("recursive")) throw Error(Peek.At, "recursive for loops are not supported");
        ExpectStmtClose();
        var body = ParseBody(["else", "endfor"]);
        List<Stmt> elseBody = [];
        if (EndTag() == "else")
        {
            elseBody = ParseBody(["endfor"]);
            EndTag();
        }
        return new ForStmt(at, targets, iterable, filter, body, elseBody);
    }

    Stmt ParseSet(SourcePos at)
    {
        var names = new List<string> { ExpectName() };
        string? attribute = null;
        if (IsOp(".")) { _pos++; attribute = ExpectName(); }
        while (attribute is null && IsOp(",")) { _pos++; names.Add(ExpectName()); }
        if (IsOp("="))
        {
            _pos++;
            var value = ParseTuple();
            ExpectStmtClose();
            return new SetStmt(at, names, attribute, value, []);
        }
        if (IsOp("|")) throw Error(Peek.At, "filters on a block set are not supported");
        ExpectStmtClose();
        var body = ParseBody(["endset"]);
        EndTag();
        return new SetStmt(at, names, attribute, null, body);
    }

    List<MacroParam> ParseParams()
    {
        var ps = new List<MacroParam>();
        ExpectOp("(");
        while (!IsOp(")"))
        {
            var name = ExpectName();
            Expr? dflt = null;
            if (IsOp("=")) { _pos++; dflt = ParseExpression(); }
            ps.Add(new MacroParam(name, dflt));
            if (!IsOp(")")) ExpectOp(",");
        }
        _pos++;
        return ps;
    }

    Stmt ParseMacro(SourcePos at)
    {
        var name = ExpectName();
        var ps = ParseParams();
        ExpectStmtClose();
        var body = ParseBody(["endmacro"]);
        EndTag();
        return new MacroStmt(at, name, ps, body);
    }

    Stmt ParseCallBlock(SourcePos at)
    {
        var callerParams = IsOp("(") ? ParseParams() : [];
        var call = ParseExpression() as CallExpr ?? throw Error(at, "{% call %} needs a macro call, as in {% call name(args) %}");
        ExpectStmtClose();
        var body = ParseBody(["endcall"]);
        EndTag();
        return new CallBlockStmt(at, call, callerParams, body);
    }

    Stmt ParseFilterBlock(SourcePos at)
    {
        var filters = new List<FilterExpr> { ParseFilter(null) };
        while (IsOp("|")) { _pos++; filters.Add(ParseFilter(null)); }
        ExpectStmtClose();
        var body = ParseBody(["endfilter"]);
        EndTag();
        return new FilterBlockStmt(at, filters, body);
    }

    // ---- expressions ----

    /// <summary>An expression, or a bare tuple <c>a, b</c> (as on the right of <c>set</c>).</summary>
    Expr ParseTuple()
    {
        var first = ParseExpression();
        if (!IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (IsOp(",")) { _pos++; items.Add(ParseExpression()); }
        return new ListExpr(first.At, items);
    }

    Expr ParseExpression() => ParseCondition(withCondExpr: true);

    Expr ParseCondition(bool withCondExpr)
    {
        var expr = ParseOr();
        while (withCondExpr && IsName("if"))
        {
            var at = Next().At;
            var test = ParseOr();
            Expr? otherwise = null;
            if (IsName("else")) { _pos++; otherwise = ParseCondition(true); }
            expr = new CondExpr(at, test, expr, otherwise);
        }
        return expr;
    }

    Expr ParseOr()
    {
        var left = ParseAnd();
        while (IsName("or")) { var at = Next().At; left = new BinaryExpr(at, "or", left, ParseAnd()); }
        return left;
    }

    Expr ParseAnd()
    {
        var left = ParseNot();
        while (IsName("and")) { var at = Next().At; left = new BinaryExpr(at, "and", left, ParseNot()); }
        return left;
    }

    Expr ParseNot()
    {
        if (IsName("not")) { var at = Next().At; return new UnaryExpr(at, "not", ParseNot()); }
        return ParseCompare();
    }

    static readonly string[] CompareOps = ["==", "!=", "<", "<=", ">", ">="];

    Expr ParseCompare()
    {
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Peek.Kind == TokenKind.Operator && CompareOps.Contains(Peek.Value)) { var op = Next().Value; rest.Add((op, ParseMath1())); }
            else if (IsName("in")) { _pos++; rest.Add(("in", ParseMath1())); }
            else if (IsName("not") && _tokens[_pos + 1] is { Kind: TokenKind.Name, Value: "in" }) { _pos += 2; rest.Add(("not in", ParseMath1())); }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first.At, first, rest);
    }

    Expr ParseMath1()
    {
        var left = ParseConcat();
        while (IsOp("+") || IsOp("-")) { var t = Next(); left = new BinaryExpr(t.At, t.Value, left, ParseConcat()); }
        return left;
    }

    Expr ParseConcat()
    {
        var left = ParseMath2();
        while (IsOp("~")) { var t = Next(); left = new BinaryExpr(t.At, "~", left, ParseMath2()); }
        return left;
    }

    Expr ParseMath2()
    {
        var left = ParsePow();
        while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) { var t = Next(); left = new BinaryExpr(t.At, t.Value, left, ParsePow()); }
        return left;
    }

    Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (IsOp("**")) { var t = Next(); left = new BinaryExpr(t.At, "**", left, ParseUnary(withFilter: true)); }
        return left;
    }

    Expr ParseUnary(bool withFilter)
    {
        Expr expr;
        if (IsOp("-") || IsOp("+")) { var t = Next(); expr = new UnaryExpr(t.At, t.Value, ParseUnary(withFilter: false)); }
        else expr = ParsePostfix(ParsePrimary());
        return withFilter ? ParseFilterAndTests(expr) : expr;
    }

    Expr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(t.At, true),
                    "false" or "False" => new LiteralExpr(t.At, false),
                    "none" or "None" => new LiteralExpr(t.At, null),
                    _ => new NameExpr(t.At, t.Value),
                };
            case TokenKind.String:
                var text = t.Value;
                while (Peek.Kind == TokenKind.String) text += Next().Value; // 'a' 'b' is 'ab', as in Python
                return new LiteralExpr(t.At, text);
            case TokenKind.Integer:
                return new LiteralExpr(t.At, long.Parse(t.Value, CultureInfo.InvariantCulture));
            case TokenKind.Float:
                return new LiteralExpr(t.At, double.Parse(t.Value, CultureInfo.InvariantCulture));
            case TokenKind.Operator when t.Value == "(":
                if (IsOp(")")) { _pos++; return new ListExpr(t.At, []); }
                var inner = ParseExpression();
                if (IsOp(","))
                {
                    var items = new List<Expr> { inner };
                    while (IsOp(",")) { _pos++; if (IsOp(")")) break; items.Add(ParseExpression()); }
                    inner = new ListExpr(t.At, items);
                }
                ExpectOp(")");
                return inner;
            case TokenKind.Operator when t.Value == "[":
                var list = new List<Expr>();
                while (!IsOp("]")) { list.Add(ParseExpression()); if (!IsOp("]")) ExpectOp(","); }
                _pos++;
                return new ListExpr(t.At, list);
            case TokenKind.Operator when t.Value == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!IsOp("}"))
                {
                    var key = ParseExpression();
                    ExpectOp(":");
                    pairs.Add((key, ParseExpression()));
                    if (!IsOp("}")) ExpectOp(",");
                }
                _pos++;
                return new DictExpr(t.At, pairs);
            default:
                throw Unexpected(t, "an expression");
        }
    }

    Expr ParsePostfix(Expr expr)
    {
        while (true)
        {
            if (IsOp("."))
            {
                var at = Next().At;
                var name = Peek.Kind == TokenKind.Integer ? Next().Value : ExpectName();
                expr = new AttrExpr(at, expr, name);
            }
            else if (IsOp("["))
            {
                var at = Next().At;
                expr = ParseSubscript(at, expr);
                ExpectOp("]");
            }
            else if (IsOp("(")) expr = new CallExpr(expr.At, expr, ParseCallArgs());
            else return expr;
        }
    }

    Expr ParseSubscript(SourcePos at, Expr target)
    {
        Expr? start = IsOp(":") ? null : ParseExpression();
        if (!IsOp(":")) return new ItemExpr(at, target, start!);
        _pos++;
        Expr? stop = IsOp(":") || IsOp("]") ? null : ParseExpression();
        Expr? step = null;
        if (IsOp(":")) { _pos++; step = IsOp("]") ? null : ParseExpression(); }
        return new SliceExpr(at, target, start, stop, step);
    }

    CallArgs ParseCallArgs()
    {
        ExpectOp("(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        while (!IsOp(")"))
        {
            if (Peek.Kind == TokenKind.Name && _tokens[_pos + 1] is { Kind: TokenKind.Operator, Value: "=" })
            {
                var name = Next().Value;
                _pos++;
                named.Add((name, ParseExpression()));
            }
            else if (IsOp("*") || IsOp("**")) throw Error(Peek.At, "*args / **kwargs in calls are not supported");
            else positional.Add(ParseExpression());
            if (!IsOp(")")) ExpectOp(",");
        }
        _pos++;
        return new CallArgs(positional, named);
    }

    Expr ParseFilterAndTests(Expr expr)
    {
        while (true)
        {
            if (IsOp("|")) { _pos++; expr = ParseFilter(expr); }
            else if (IsName("is")) expr = ParseTest(expr);
            else if (IsOp("(")) expr = new CallExpr(expr.At, expr, ParseCallArgs());
            else return expr;
        }
    }

    FilterExpr ParseFilter(Expr? value)
    {
        var at = Peek.At;
        var name = ExpectName();
        while (IsOp(".")) { _pos++; name += "." + ExpectName(); }
        if (!JinjaBuiltins.HasFilter(name))
            throw Error(at, $"the filter '{name}' is not supported by Tsumugi's chat-template renderer (see docs/chat-templates.md for the list)");
        var args = IsOp("(") ? ParseCallArgs() : CallArgs.None;
        return new FilterExpr(at, value, name, args);
    }

    Expr ParseTest(Expr value)
    {
        var at = Next().At; // is
        bool negated = false;
        if (IsName("not")) { _pos++; negated = true; }
        var name = Peek.Kind == TokenKind.Name ? Next().Value
            : IsOp("==") || IsOp("!=") || IsOp("<") || IsOp(">") || IsOp("<=") || IsOp(">=") ? Next().Value
            : throw Unexpected(Peek, "a test name after 'is'");
        if (!JinjaBuiltins.HasTest(name))
            throw Error(at, $"the test 'is {name}' is not supported by Tsumugi's chat-template renderer (see docs/chat-templates.md for the list)");
        CallArgs args = CallArgs.None;
        if (IsOp("(")) args = ParseCallArgs();
        else if (StartsBareTestArgument()) args = new CallArgs([ParsePostfix(ParsePrimary())], []);
        return new TestExpr(at, value, name, args, negated);
    }

    /// <summary>Jinja allows one argument without parentheses: <c>x is divisibleby 3</c>, <c>x is equalto 'a'</c>.</summary>
    bool StartsBareTestArgument()
    {
        var t = Peek;
        if (t.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float) return true;
        if (t.Kind == TokenKind.Name) return t.Value is not ("else" or "or" or "and" or "if" or "in" or "not" or "is");
        return t.Kind == TokenKind.Operator && t.Value is "[" or "{";
    }
}
