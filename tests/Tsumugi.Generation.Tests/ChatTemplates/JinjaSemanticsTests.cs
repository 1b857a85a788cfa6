using System.Text.Json.Nodes;
using Tsumugi.Generation.Chat.Templates;

namespace Tsumugi.Generation.Tests.ChatTemplates;

/// <summary>The Jinja semantics HF templates depend on, each pinned to what Jinja2 (as transformers configures it) renders.</summary>
public sealed class JinjaSemanticsTests
{
    static string Render(string template, JsonObject? variables = null) =>
        ChatTemplate.Parse(template).RenderJson(new JsonArray(), addGenerationPrompt: false, variables);

    [Theory]
    [InlineData("{% if true %}\nA{% endif %}\n", "A")] // trim_blocks + the dropped trailing newline
    [InlineData("x\n    {% if true %}A{% endif %}", "x\nA")] // lstrip_blocks
    [InlineData("x\n    {{ 'A' }}", "x\n    A")] // … but not before {{
    [InlineData("{{ 'A' }}\nB", "A\nB")] // trim_blocks does not apply after }}
    [InlineData("a  \n {{- 'b' -}} \n c", "abc")] // '-' strips newlines too
    [InlineData("{# note #}\nA\n\n", "A\n")] // comments trim their newline; only one trailing newline is dropped
    [InlineData("x {% if true %}A{% endif %}", "x A")] // lstrip only at the start of a line
    [InlineData("  {%+ if true %}A{% endif +%}\nB", "  A\nB")] // '+' turns lstrip/trim off
    public void Render_Whitespace_FollowsTrimAndLstripBlocks(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Render_SetInsideLoop_DoesNotLeakButNamespaceDoes()
    {
        Assert.Equal("1", Render("{% set x = 1 %}{% for i in [5, 6] %}{% set x = i %}{% endfor %}{{ x }}"));
        Assert.Equal("6", Render("{% set ns = namespace(x=1) %}{% for i in [5, 6] %}{% set ns.x = i %}{% endfor %}{{ ns.x }}"));
        Assert.Equal("2", Render("{% if true %}{% set x = 2 %}{% endif %}{{ x }}")); // if is no scope
    }

    [Fact]
    public void Render_LoopVariables_MatchJinja()
    {
        Assert.Equal("1,2,True,False,3,a,b|2,1,False,False,3,b,c|3,0,False,True,3,c,|",
            Render("{% for c in 'abc' %}{{ loop.index }},{{ loop.revindex0 }},{{ loop.first }},{{ loop.last }},{{ loop.length }},"
                + "{{ c }},{{ loop.nextitem }}|{% endfor %}"));
        Assert.Equal("13", Render("{% for i in range(5) if i % 2 %}{{ i }}{% endfor %}"));
        Assert.Equal("empty", Render("{% for i in [] %}{{ i }}{% else %}empty{% endfor %}"));
        Assert.Equal("02", Render("{% for i in range(10) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}"));
        Assert.Equal("a=1;b=2;", Render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"));
    }

    [Fact]
    public void Render_PythonOperators_FollowPython()
    {
        Assert.Equal("3 -4 2 0.5 [1, 2, 3] a1 None True 8 True False",
            Render("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 1 / 2 }} {{ [1, 2] + [3] }} {{ 'a' ~ 1 }} {{ none }} {{ true }} {{ 2 ** 3 }} "
                + "{{ 'ell' in 'hello' }} {{ 1 == '1' }}"));
        Assert.Equal("んにち [4, 2] ok", Render("{{ 'こんにちは'[1:-1] }} {{ [1, 2, 3, 4][::-2] }} {{ 'ok' if 1 < 2 <= 2 else 'no' }}"));
        Assert.Equal("b", Render("{{ 'a' if false else 'b' }}{{ 'c' if false }}")); // a missing else is undefined: ""
    }

    [Fact]
    public void Render_StringAndDictMethods_FollowPython()
    {
        Assert.Equal("[a|b c] ['a', 'b', 'c'] ['a', 'b c'] True x-y 2 1",
            Render("[{{ '  a|b c \\n'.strip().replace(' ', ' ') }}] {{ ' a  b\\tc '.split() }} {{ 'a,b c'.split(',') }} "
                + "{{ 'abc'.startswith(('x', 'a')) }} {{ 'x_y'.replace('_', '-') }} {{ {'a': 1, 'b': 2}.get('b') }} {{ {'a': 1}.get('z', 1) }}"));
    }

    [Fact]
    public void Render_Filters_FollowJinja()
    {
        Assert.Equal("3|A,B|Hello World|[3, 2, 1]|b|x-default|  a\n      b|['a', 'B']|c|2|[1, 3]|['x']|1|Aaa",
            Render("{{ [1, 2, 3] | length }}|{{ ['a', 'b'] | map('upper') | join(',') }}|{{ 'hello world' | title }}|"
                + "{{ [1, 3, 2] | sort(reverse=true) }}|{{ ['a', 'b'] | last }}|{{ undefined_name | default('x-default') }}|"
                + "{{ 'a\nb' | indent(4) | indent(2, first=true) }}|{{ ['B', 'a', 'A'] | unique | sort }}|{{ 'abc' | reverse | first }}|"
                + "{{ [{'r': 'u'}, {'r': 'a'}, {'r': 'u'}] | selectattr('r', 'equalto', 'u') | list | length }}|"
                + "{{ [1, 2, 3] | select('odd') | list }}|{{ [{'n': 'x'}] | map(attribute='n') | list }}|{{ '1.7' | int }}|{{ 'aA' | capitalize }}a"));
    }

    [Fact]
    public void Render_Tojson_IsPythonJsonDumpsWithNonAsciiKept()
    {
        var variables = new JsonObject { ["tool"] = JsonNode.Parse("""{"name": "天気", "args": {"city": "東京", "n": [1, 2.5, true, null]}, "q": "a\"b\\c\n"}""") };
        Assert.Equal("""{"name": "天気", "args": {"city": "東京", "n": [1, 2.5, true, null]}, "q": "a\"b\\c\n"}""", Render("{{ tool | tojson }}", variables));
        Assert.Equal("{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}", Render("{{ {'a': [1], 'b': {}} | tojson(indent=2) }}"));
    }

    [Fact]
    public void Render_MacroAndCallBlock_WorkWithDefaultsAndCaller()
    {
        Assert.Equal("<x:1><y:2>", Render("{% macro tag(n, v=2) %}<{{ n }}:{{ v }}>{% endmacro %}{{ tag('x', 1) }}{{ tag('y') }}"));
        Assert.Equal("[HI]", Render("{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}{% filter upper %}hi{% endfilter %}{% endcall %}"));
        Assert.Equal("ab", Render("{% set x %}a{{ 'b' }}{% endset %}{{ x }}"));
    }

    [Fact]
    public void Render_Undefined_IsEmptyButAttributeOfItFails()
    {
        Assert.Equal("|False|True|0", Render("{{ nothing }}|{{ nothing is defined }}|{{ {'a': 1}.b is undefined }}|{{ nothing | length }}"));
        var e = Assert.Throws<ChatTemplateException>(() => Render("line one\n{{ nothing.attr }}"));
        Assert.Equal(2, e.Line);
        Assert.Contains("'nothing' is undefined", e.Message);
        Assert.Throws<ChatTemplateException>(() => Render("{{ nothing + 'x' }}"));
    }

    [Theory]
    [InlineData("a\n  {% include 'other.jinja' %}", 2, "include")]
    [InlineData("{{ messages | frobnicate }}", 1, "frobnicate")]
    [InlineData("{% if x is prime %}{% endif %}", 1, "prime")]
    [InlineData("{% for x in y %}", 1, "endfor")]
    [InlineData("x\n\n{% endif %}", 3, "endif")]
    [InlineData("{{ 'a' %}", 1, "'}}'")]
    [InlineData("{% set xs = [] %}{{ xs.append(1) }}", 1, "immutable")]
    [InlineData("{{ '%s' % 1 }}", 1, "formatting")]
    public void Parse_UnsupportedOrBrokenConstruct_FailsWithLineAndConstruct(string template, int line, string construct)
    {
        var e = Assert.ThrowsAny<ChatTemplateException>(() => Render(template));
        Assert.Equal(line, e.Line);
        Assert.Contains(construct, e.Message);
        Assert.Contains($"line {line}, column {e.Column}", e.Message);
    }

    [Fact]
    public void Render_RaiseException_ThrowsWithTheTemplatesMessage()
    {
        var e = Assert.Throws<ChatTemplateRaisedException>(() => Render("ok\n  {{- raise_exception('Roles must alternate') }}"));
        Assert.Equal("Roles must alternate", e.TemplateMessage);
        Assert.Equal((2, 7), (e.Line, e.Column)); // where raise_exception( starts
    }

    [Fact]
    public void RenderWithSpans_GenerationBlocks_AreTheSpans()
    {
        var template = ChatTemplate.Parse(
            "{% for m in messages %}{% if m.role == 'assistant' %}A: {% generation %}{{ m.content }}</s>{% endgeneration %}\n"
            + "{% else %}U: {{ m.content }}\n{% endif %}{% endfor %}");
        Assert.True(template.HasGenerationBlocks);
        var (text, spans) = template.RenderWithSpans([new("user", "q1"), new("assistant", "a1"), new("user", "q2"), new("assistant", "a2")], false);
        Assert.Equal("U: q1\nA: a1</s>U: q2\nA: a2</s>", text); // trim_blocks eats the newline after endgeneration
        Assert.Equal(["a1</s>", "a2</s>"], spans.Select(s => text[s.Start..s.End]));
        Assert.Equal([1, 3], spans.Select(s => s.MessageIndex));
    }

    [Fact]
    public void RenderWithSpans_TemplateNotPrefixStable_IsReported()
    {
        // Renders the number of messages first, so a shorter conversation is no prefix of the longer one.
        var template = ChatTemplate.Parse("{{ messages | length }}{% for m in messages %}{{ m.content }}{% endfor %}");
        Assert.Equal("3qaq", template.Render([new("user", "q"), new("assistant", "a"), new("user", "q")], false));
        var e = Assert.Throws<ChatTemplateException>(() => template.RenderWithSpans([new("user", "q"), new("assistant", "a"), new("user", "q")], false));
        Assert.Contains("generation", e.Message);
    }
}
