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

    public override Task<ItemResult> RunAsync(SynthItem item, RecipeContext context, CancellationToken ct) =>
        AnsweredAsync(item, WithoutOwnSystem(prompt(item.Input!)), [], context, ct);
}
