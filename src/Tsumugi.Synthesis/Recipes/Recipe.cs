using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// A way of making records. It turns the inputs into items (deterministically: a resumed run must see the same items
/// with the same keys) and one item into a record by asking endpoints through the <see cref="RecipeContext"/>.
/// Recipes hold only their settings; everything they ask goes through the context, so they are safe to run on many
/// items at once.
/// </summary>
public abstract partial class Recipe(string? system, Sampling answer)
{
    /// <summary>The system prompt of every answering request and of the output conversation (none when null).</summary>
    protected string? System { get; } = system;

    protected Sampling Answer { get; } = answer;

    public abstract string Name { get; }

    /// <summary>DPO pairs rather than SFT conversations.</summary>
    public virtual bool MakesPairs => false;

    /// <summary>Endpoint roles the recipe asks (each needs an endpoint).</summary>
    public virtual IReadOnlyList<string> Roles => ["generate"];

    /// <summary>Whether the recipe writes prompts of its own (so near-duplicates of the seeds are worth catching).</summary>
    public virtual bool InventsPrompts => false;

    /// <summary>Whether the recipe needs input records (persona works from its list of personas alone).</summary>
    public virtual bool NeedsInputs => true;

    public abstract IEnumerable<SynthItem> Items(IReadOnlyList<SynthInput> inputs);

    public abstract Task<ItemResult> RunAsync(SynthItem item, RecipeContext context, CancellationToken ct);

    /// <summary>The seeds' prompt texts, for near-duplicate checks against the seeds (recipes that invent prompts).</summary>
    public virtual IEnumerable<string> SeedPrompts(IReadOnlyList<SynthInput> inputs) => [];

    /// <summary>One item per input record, keyed by the record's id.</summary>
    protected static IEnumerable<SynthItem> PerInput(IReadOnlyList<SynthInput> inputs) =>
        inputs.Select((input, i) => new SynthItem(i, input.Id, input));

    /// <summary>The conversation sent for an answer: the recipe's system prompt (if any) and then <paramref name="turns"/>.</summary>
    protected List<ChatTurn> Conversation(IEnumerable<ChatTurn> turns) =>
        System is null ? [.. turns] : [ChatTurn.System(System), .. turns];

    /// <summary>The model's answer to the conversation so far.</summary>
    protected Task<ChatReply> AnswerAsync(IReadOnlyList<ChatTurn> conversation, RecipeContext context, string step, CancellationToken ct) =>
        context.AskAsync("generate", conversation, Answer, step, ct);

    /// <summary>
    /// The common ending of the SFT recipes: answers <paramref name="prompt"/> (after the system prompt) and builds the
    /// record, with the <paramref name="invented"/> texts gated alongside the answer; <paramref name="describe"/> adds the
    /// recipe's facts to the provenance.
    /// </summary>
    protected async Task<ItemResult> AnsweredAsync(SynthItem item, IEnumerable<ChatTurn> prompt, IEnumerable<GatedText> invented, RecipeContext context,
        CancellationToken ct, Action<JsonObject>? describe = null)
    {
        var conversation = Conversation(prompt);
        var reply = await AnswerAsync(conversation, context, "answer", ct).ConfigureAwait(false);
        var answer = Gated("answer", reply);
        var meta = SynthRecords.Meta(Name, item, reply);
        describe?.Invoke(meta);
        return new ItemResult(SynthRecords.Sft([.. conversation, ChatTurn.Assistant(answer.Text)], meta), [.. invented, answer], LastUser(conversation), answer.Text);
    }

    /// <summary>The prompt of an input without its own system turn when the recipe sets one (the recipe's wins).</summary>
    protected IEnumerable<ChatTurn> WithoutOwnSystem(IEnumerable<ChatTurn> prompt) => prompt.Where(t => t.Role != "system" || System is null);

    protected static string LastUser(IReadOnlyList<ChatTurn> conversation) => conversation.Last(t => t.Role == "user").Content;

    /// <summary>A prompt the model invented, cleaned (<see cref="CleanInvented"/>), as a gated text.</summary>
    protected static GatedText Invented(string what, ChatReply reply) => Gated(what, reply) with { Text = CleanInvented(reply.Text) };

    /// <summary>The text of a reply, trimmed, as a gated text.</summary>
    protected static GatedText Gated(string what, ChatReply reply) => new(what, reply.Text.Trim(), reply.FinishReason == "length");

    /// <summary>
    /// A prompt the model invented, cleaned of what models wrap it in: surrounding whitespace and quotes, a leading
    /// label (「指示：」, "Instruction:", #指示#) or list number.
    /// </summary>
    public static string CleanInvented(string text)
    {
        var s = text.Trim();
        s = Label().Replace(s, "").Trim();
        if (s.Length >= 2 && ((s[0] == '「' && s[^1] == '」') || (s[0] == '"' && s[^1] == '"') || (s[0] == '『' && s[^1] == '』'))) s = s[1..^1].Trim();
        return s;
    }

    [GeneratedRegex(@"^(?:#\s*[^#\n]{1,12}\s*#|(?:新しい)?(?:指示|質問|依頼|Instruction|Question)\s*[:：]|\d{1,2}\s*[.．、)）])\s*", RegexOptions.IgnoreCase)]
    private static partial Regex Label();
}
