using System.Text.Json.Nodes;
using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// Translates an English instruction dataset into Japanese: the user turn (the <c>user</c> template over the record,
/// e.g. "{instruction}") and the assistant turn (<c>assistant</c>, e.g. "{output}") are each translated by one request;
/// the record is the Japanese conversation, with the source record's id in its provenance.
/// </summary>
public sealed class TranslateRecipe(string? system, Sampling answer, PromptTemplate user, PromptTemplate assistant, PromptTemplate translate) : Recipe(system, answer)
{
    public override string Name => "translate";

    public static TranslateRecipe Read(YamlSection s, RecipeSetup setup, Sampling answer) => new(
        s.String("system"), answer with { Temperature = 0 }, setup.Template(s, "user", "{instruction}"), setup.Template(s, "assistant", "{output}"),
        setup.Template(s, "translate", RecipePrompts.Translate, "text"));

    public override IEnumerable<SynthItem> Items(IReadOnlyList<SynthInput> inputs) => PerInput(inputs);

    public override async Task<ItemResult> RunAsync(SynthItem item, RecipeContext context, CancellationToken ct)
    {
        var fields = item.Input!.Fields;
        var userReply = await Translate(user.Render(fields), "user", context, ct).ConfigureAwait(false);
        var assistantReply = await Translate(assistant.Render(fields), "assistant", context, ct).ConfigureAwait(false);
        var (u, a) = (Gated("translated user turn", userReply), Gated("translated answer", assistantReply));
        var meta = SynthRecords.Meta(Name, item, assistantReply);
        meta["source"] = new JsonObject { ["user"] = user.Render(fields), ["assistant"] = assistant.Render(fields) };
        return new ItemResult(SynthRecords.Sft(Conversation([ChatTurn.User(u.Text), ChatTurn.Assistant(a.Text)]), meta), [u, a], u.Text, a.Text);
    }

    Task<ChatReply> Translate(string text, string step, RecipeContext context, CancellationToken ct) =>
        context.AskAsync("generate", [ChatTurn.User(translate.Render(f => f == "text" ? text : null))], Answer, step, ct);
}
