using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// New answers for existing prompts (Tanuki regenerating dolly-ja's answers with a stronger model): one request per
/// input record; the record is the prompt plus the model's answer.
/// </summary>
public sealed class RegenerateRecipe(string? system, Sampling answer, Func<SynthInput, IReadOnlyList<ChatTurn>> prompt) : Recipe(system, answer)
{
    public override string Name => "regenerate";

    public static RegenerateRecipe Read(YamlSection s, RecipeSetup setup, Sampling answer) =>
        new(s.String("system"), answer, setup.Prompt(s, "{instruction}"));

    public override IEnumerable<SynthItem> Items(IReadOnlyList<SynthInput> inputs) => PerInput(inputs);

    public override async Task<ItemResult> RunAsync(SynthItem item, RecipeContext context, CancellationToken ct)
    {
        var conversation = Conversation(prompt(item.Input!).Where(t => t.Role != "system" || System is null));
        var reply = await AnswerAsync(conversation, context, "answer", ct).ConfigureAwait(false);
        var answer = Gated("answer", reply);
        var record = SynthRecords.Sft([.. conversation, ChatTurn.Assistant(answer.Text)], SynthRecords.Meta(Name, item, reply));
        return new ItemResult(record, [answer], LastUser(conversation), answer.Text);
    }

    internal static string LastUser(IReadOnlyList<ChatTurn> conversation) => conversation.Last(t => t.Role == "user").Content;
}
