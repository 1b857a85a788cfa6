using System.Text;
using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// Multi-turn dialogues with both sides played by models: the seed opens, the assistant answers, and a model in the
/// <c>user</c> role (any endpoint given that role; it may be the same model) writes the next user turn from the
/// conversation so far, for <c>turns</c> assistant answers in all.
/// </summary>
public sealed class MultiTurnRecipe(string? system, Sampling answer, Sampling user, int turns, Func<SynthInput, IReadOnlyList<ChatTurn>> opening, PromptTemplate nextTurn)
    : Recipe(system, answer)
{
    public override string Name => "multi_turn";
    public override IReadOnlyList<string> Roles => ["generate", "user"];

    public static MultiTurnRecipe Read(YamlSection s, RecipeSetup setup, Sampling answer) => new(
        s.String("system"), answer, Sampling.Read(s.Section("user_sampling", allowed: null), answer with { Temperature = 0.9 }),
        s.Int("turns", 3, min: 2, max: 20), setup.Prompt(s, "{instruction}"), setup.Template(s, "user", RecipePrompts.NextUserTurn, "conversation"));

    public override IEnumerable<SynthItem> Items(IReadOnlyList<SynthInput> inputs) => PerInput(inputs);

    public override async Task<ItemResult> RunAsync(SynthItem item, RecipeContext context, CancellationToken ct)
    {
        var conversation = Conversation(WithoutOwnSystem(opening(item.Input!)));
        var gated = new List<GatedText>();
        ChatReply? last = null;
        for (int turn = 1; turn <= turns; turn++)
        {
            if (turn > 1)
            {
                var transcript = Transcript(conversation);
                var asked = await context.AskAsync("user", [ChatTurn.User(nextTurn.Render(f => f == "conversation" ? transcript : null))], user, $"user{turn}", ct).ConfigureAwait(false);
                var question = Invented($"user turn {turn}", asked);
                gated.Add(question);
                conversation.Add(ChatTurn.User(question.Text));
            }
            last = await AnswerAsync(conversation, context, $"answer{turn}", ct).ConfigureAwait(false);
            var reply = Gated($"answer {turn}", last);
            gated.Add(reply);
            conversation.Add(ChatTurn.Assistant(reply.Text));
        }
        var meta = SynthRecords.Meta(Name, item, last!);
        meta["turns"] = turns;
        var firstUser = conversation.First(t => t.Role == "user").Content;
        return new ItemResult(SynthRecords.Sft(conversation, meta), gated, firstUser, conversation[^1].Content);
    }

    /// <summary>The conversation as the user model reads it (MT-Bench's judge layout, in Japanese).</summary>
    static string Transcript(IEnumerable<ChatTurn> conversation)
    {
        var sb = new StringBuilder();
        foreach (var t in conversation.Where(t => t.Role != "system"))
            sb.Append(t.Role == "user" ? "ユーザー: " : "アシスタント: ").Append(t.Content).Append("\n\n");
        return sb.ToString().TrimEnd();
    }
}
