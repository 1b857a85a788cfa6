using System.Text.Json.Nodes;

namespace Tsumugi.Generation.Chat.Templates;

/// <summary>The character range [<see cref="Start"/>, <see cref="End"/>) of one assistant turn in a rendered chat.</summary>
/// <param name="MessageIndex">The index of the assistant message in the input, or -1 when a template's
/// {% generation %} blocks do not pair one-to-one with its assistant messages.</param>
public sealed record MessageSpan(int MessageIndex, int Start, int End)
{
    public int Length => End - Start;
}

/// <summary>A rendered chat and the spans of its assistant turns (what SFT trains on).</summary>
public sealed record RenderedChat(string Text, IReadOnlyList<MessageSpan> Spans);

/// <summary>
/// A Hugging Face chat template (the Jinja <c>chat_template</c> of tokenizer_config.json), rendered the way
/// transformers' <c>apply_chat_template</c> renders it: same variables (messages, add_generation_prompt, tools,
/// documents, the special tokens), same Jinja settings (trim_blocks, lstrip_blocks, loopcontrols, the
/// <c>{% generation %}</c> extension), same <c>tojson</c> and <c>raise_exception</c>. Parsing checks every statement,
/// filter and test name, so a template using something unsupported fails at <see cref="Parse"/> with its line and
/// column instead of rendering differently.
/// </summary>
public sealed class ChatTemplate
{
    readonly IReadOnlyList<Stmt> _body;

    ChatTemplate(string source, IReadOnlyList<Stmt> body, IReadOnlyDictionary<string, string> specialTokens, string origin)
    {
        (Source, _body, SpecialTokens, Origin) = (source, body, specialTokens, origin);
        HasGenerationBlocks = ContainsGeneration(body);
    }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>Where it came from, e.g. <c>model/tokenizer_config.json chat_template</c> or <c>built-in chatml</c>.</summary>
    public string Origin { get; }

    /// <summary>bos_token, eos_token, unk_token, pad_token: passed to the template as variables, as transformers does.</summary>
    public IReadOnlyDictionary<string, string> SpecialTokens { get; }

    /// <summary>Whether the template marks assistant output with transformers' {% generation %} blocks.</summary>
    public bool HasGenerationBlocks { get; }

    /// <summary>Parses a template; throws <see cref="ChatTemplateException"/> naming the line, column and construct.</summary>
    public static ChatTemplate Parse(string source, IReadOnlyDictionary<string, string>? specialTokens = null, string origin = "chat template")
    {
        try
        {
            return new ChatTemplate(source, JinjaParser.Parse(source), specialTokens ?? new Dictionary<string, string>(), origin);
        }
        catch (ChatTemplateException e)
        {
            e.Origin = origin;
            throw;
        }
    }

    /// <summary>
    /// The variables transformers passes: <c>messages</c>, <c>tools</c> and <c>documents</c> (None unless given),
    /// <c>add_generation_prompt</c>, every special token, then <paramref name="variables"/> (e.g. date_string,
    /// enable_thinking, tools), which win over the defaults.
    /// </summary>
    public JsonObject Context(JsonArray messages, bool addGenerationPrompt, JsonObject? variables = null)
    {
        var context = new JsonObject
        {
            ["messages"] = messages.DeepClone(),
            ["tools"] = null,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        foreach (var (name, token) in SpecialTokens) context[name] = token;
        if (variables is not null)
            foreach (var (name, value) in variables) context[name] = value?.DeepClone();
        return context;
    }

    /// <summary>Renders a conversation of plain role/content messages.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, JsonObject? variables = null) =>
        RenderJson(ToJson(messages), addGenerationPrompt, variables);

    /// <summary>Renders OpenAI-style messages (content may be a string or a list of parts; tool_calls etc. pass through).</summary>
    public string RenderJson(JsonArray messages, bool addGenerationPrompt, JsonObject? variables = null) =>
        RenderContext(Context(messages, addGenerationPrompt, variables)).Text;

    /// <summary>Renders with an explicit variable set (see <see cref="Context"/>); returns the text and the {% generation %} spans.</summary>
    public (string Text, IReadOnlyList<(int Start, int End)> GenerationSpans) RenderContext(JsonObject context)
    {
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in context) variables[name] = JinjaJson.FromJson(value);
        try
        {
            return JinjaEvaluator.Render(_body, variables);
        }
        catch (ChatTemplateException e)
        {
            e.Origin = Origin;
            throw;
        }
    }

    public RenderedChat RenderWithSpans(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, JsonObject? variables = null) =>
        RenderJsonWithSpans(ToJson(messages), addGenerationPrompt, variables);

    /// <summary>
    /// The rendered text plus, for every assistant message, the span of its turn: what the model has to produce after
    /// the generation prompt, including the turn's end marker (EOS, &lt;|im_end|&gt;, …) where the template emits it.
    /// <para>
    /// With {% generation %} blocks the spans are the blocks' output, as transformers'
    /// <c>return_assistant_tokens_mask</c> reports them. Without, they are found by rendering prefixes of the
    /// conversation: the turn of assistant message i starts where <c>render(messages[:i], add_generation_prompt=True)</c>
    /// stops agreeing with <c>render(messages[:i+1])</c> and ends at the end of the latter, which must be a prefix of
    /// the full rendering. This uses only the real contents, so it is exact for templates that strip or inspect the
    /// content (Llama-2's <c>.strip()</c>, Gemma's <c>| trim</c>), where marking the content with sentinel characters
    /// would change what gets stripped. A template whose rendering of a prefix is not a prefix of the whole is
    /// reported rather than guessed at.
    /// </para>
    /// </summary>
    public RenderedChat RenderJsonWithSpans(JsonArray messages, bool addGenerationPrompt, JsonObject? variables = null)
    {
        var (text, generation) = RenderContext(Context(messages, addGenerationPrompt, variables));
        var assistants = Enumerable.Range(0, messages.Count).Where(i => Role(messages[i]) == "assistant").ToList();
        if (HasGenerationBlocks)
            return new RenderedChat(text, generation.Select((g, k) =>
                new MessageSpan(generation.Count == assistants.Count ? assistants[k] : -1, g.Start, g.End)).ToList());
        var spans = new List<MessageSpan>();
        foreach (int i in assistants)
        {
            var upTo = Slice(messages, i + 1);
            var turn = RenderJson(upTo, addGenerationPrompt: false, variables);
            if (!text.StartsWith(turn, StringComparison.Ordinal))
                throw new ChatTemplateException(new SourcePos(1, 1),
                    $"rendering messages[0..{i}] is not a prefix of rendering the whole conversation, so the span of assistant message {i} "
                    + "cannot be derived; mark assistant output with {% generation %} … {% endgeneration %} in the template") { Origin = Origin };
            string prompt;
            try
            {
                prompt = RenderJson(Slice(messages, i), addGenerationPrompt: true, variables);
            }
            catch (ChatTemplateException) when (i == 0)
            {
                prompt = ""; // a template that cannot render an empty conversation: the turn starts at the beginning
            }
            int start = CommonPrefixLength(prompt, turn);
            spans.Add(new MessageSpan(i, start, turn.Length));
        }
        return new RenderedChat(text, spans);
    }

    static JsonArray Slice(JsonArray messages, int count) => new(messages.Take(count).Select(m => m?.DeepClone()).ToArray());

    static string? Role(JsonNode? message) => message?["role"]?.GetValue<string>();

    static int CommonPrefixLength(string a, string b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        // never split a surrogate pair
        if (n > 0 && n < b.Length && char.IsHighSurrogate(b[n - 1])) n--;
        return n;
    }

    static JsonArray ToJson(IReadOnlyList<ChatMessage> messages) =>
        new(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());

    static bool ContainsGeneration(IEnumerable<Stmt> body) => body.Any(s => s switch
    {
        GenerationStmt => true,
        IfStmt i => i.Branches.Any(b => ContainsGeneration(b.Body)) || ContainsGeneration(i.Else),
        ForStmt f => ContainsGeneration(f.Body) || ContainsGeneration(f.Else),
        MacroStmt m => ContainsGeneration(m.Body),
        SetStmt s2 => ContainsGeneration(s2.Body),
        CallBlockStmt c => ContainsGeneration(c.Body),
        FilterBlockStmt fb => ContainsGeneration(fb.Body),
        _ => false,
    });
}
