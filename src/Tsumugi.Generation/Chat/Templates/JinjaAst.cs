namespace Tsumugi.Generation.Chat.Templates;

// The syntax tree of a template: statements (what is output or done) and expressions (what is computed). Every
// node keeps its source position so a runtime error names the line and column of the construct that failed.

abstract record Stmt(SourcePos At);

sealed record TextStmt(SourcePos At, string Text) : Stmt(At);

sealed record OutputStmt(SourcePos At, Expr Value) : Stmt(At);

sealed record IfStmt(SourcePos At, IReadOnlyList<(Expr Test, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt> Else) : Stmt(At);

sealed record ForStmt(SourcePos At, IReadOnlyList<string> Targets, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else) : Stmt(At);

/// <summary><c>{% set x = v %}</c>, <c>{% set a, b = v %}</c>, <c>{% set ns.attr = v %}</c>, or block set when <see cref="Value"/> is null.</summary>
sealed record SetStmt(SourcePos At, IReadOnlyList<string> Names, string? Attribute, Expr? Value, IReadOnlyList<Stmt> Body) : Stmt(At);

sealed record MacroParam(string Name, Expr? Default);

sealed record MacroStmt(SourcePos At, string Name, IReadOnlyList<MacroParam> Params, IReadOnlyList<Stmt> Body) : Stmt(At);

/// <summary><c>{% call(params) macro(args) %}body{% endcall %}</c>: the macro sees the body as <c>caller()</c>.</summary>
sealed record CallBlockStmt(SourcePos At, CallExpr Call, IReadOnlyList<MacroParam> CallerParams, IReadOnlyList<Stmt> Body) : Stmt(At);

/// <summary><c>{% filter f(args) %}body{% endfilter %}</c>: the body's output goes through the filter(s).</summary>
sealed record FilterBlockStmt(SourcePos At, IReadOnlyList<FilterExpr> Filters, IReadOnlyList<Stmt> Body) : Stmt(At);

sealed record BreakStmt(SourcePos At) : Stmt(At);

sealed record ContinueStmt(SourcePos At) : Stmt(At);

/// <summary>transformers' <c>{% generation %}…{% endgeneration %}</c>: its output is an assistant span.</summary>
sealed record GenerationStmt(SourcePos At, IReadOnlyList<Stmt> Body) : Stmt(At);

abstract record Expr(SourcePos At);

sealed record LiteralExpr(SourcePos At, object? Value) : Expr(At);

sealed record NameExpr(SourcePos At, string Name) : Expr(At);

sealed record ListExpr(SourcePos At, IReadOnlyList<Expr> Items) : Expr(At);

sealed record DictExpr(SourcePos At, IReadOnlyList<(Expr Key, Expr Value)> Pairs) : Expr(At);

sealed record AttrExpr(SourcePos At, Expr Target, string Name) : Expr(At);

sealed record ItemExpr(SourcePos At, Expr Target, Expr Index) : Expr(At);

sealed record SliceExpr(SourcePos At, Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr(At);

sealed record CallArgs(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Named)
{
    public static readonly CallArgs None = new([], []);
}

sealed record CallExpr(SourcePos At, Expr Callee, CallArgs Args) : Expr(At);

sealed record FilterExpr(SourcePos At, Expr? Value, string Name, CallArgs Args) : Expr(At);

sealed record TestExpr(SourcePos At, Expr Value, string Name, CallArgs Args, bool Negated) : Expr(At);

/// <summary>Unary <c>-</c>, <c>+</c>, <c>not</c>.</summary>
sealed record UnaryExpr(SourcePos At, string Op, Expr Operand) : Expr(At);

/// <summary>Arithmetic, <c>~</c>, <c>and</c>, <c>or</c>.</summary>
sealed record BinaryExpr(SourcePos At, string Op, Expr Left, Expr Right) : Expr(At);

/// <summary>A comparison chain <c>a &lt; b &lt;= c</c>; ops include <c>in</c> and <c>not in</c>.</summary>
sealed record CompareExpr(SourcePos At, Expr First, IReadOnlyList<(string Op, Expr Right)> Rest) : Expr(At);

sealed record CondExpr(SourcePos At, Expr Test, Expr Then, Expr? Else) : Expr(At);
