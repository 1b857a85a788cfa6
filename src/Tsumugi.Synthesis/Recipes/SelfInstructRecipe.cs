using System.Text.Json.Nodes;
using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// Self-Instruct: each item shows the model a few seed tasks (a different, reproducible draw per item), asks it for a
/// new instruction, then asks for the answer to it. Items are numbered, not tied to a seed, so <c>count</c> sets the
/// output size whatever the number of seeds.
/// </summary>
public sealed class SelfInstructRecipe(string? system, Sampling answer, Sampling invent, int count, int examples, PromptTemplate example, PromptTemplate generate,
    IReadOnlyList<SynthInput> seeds, long seed)
    : Recipe(system, answer)
{
    public override string Name => "self_instruct";
    public override bool InventsPrompts => true;

    public static SelfInstructRecipe Read(YamlSection s, RecipeSetup setup, Sampling answer, long seed) => new(
        s.String("system"), answer, Sampling.Read(s.Section("invent", allowed: null), answer with { Temperature = 1.0 }),
        s.Int("count", 100, min: 1), s.Int("examples", 3, min: 1),
        setup.Template(s, "example", "{instruction}"), setup.Template(s, "generate", RecipePrompts.SelfInstruct, "examples"), setup.Inputs, seed);

    public override IEnumerable<SynthItem> Items(IReadOnlyList<SynthInput> inputs) =>
        Enumerable.Range(0, count).Select(i => new SynthItem(i, $"self_instruct:{i}", null));

    public override IEnumerable<string> SeedPrompts(IReadOnlyList<SynthInput> inputs) => inputs.Select(i => example.Render(i.Fields));

    public override async Task<ItemResult> RunAsync(SynthItem item, RecipeContext context, CancellationToken ct)
    {
        // A reproducible draw of distinct seeds per item (Fisher–Yates prefix).
        var rng = new Random((int)(seed ^ (item.Index * 0x9E3779B1L)));
        var order = Enumerable.Range(0, seeds.Count).ToArray();
        int k = Math.Min(examples, order.Length);
        for (int i = 0; i < k; i++) { int j = rng.Next(i, order.Length); (order[i], order[j]) = (order[j], order[i]); }
        var shown = order.Take(k).Select(i => seeds[i]).ToList();
        var list = string.Join("\n", shown.Select((s, i) => $"{i + 1}. {example.Render(s.Fields)}"));
        var invented = await context.AskAsync("generate", [ChatTurn.User(generate.Render(f => f == "examples" ? list : null))], invent, $"instruction:{item.Key}", ct).ConfigureAwait(false);
        var instruction = Invented("instruction", invented);
        return await AnsweredAsync(item, [ChatTurn.User(instruction.Text)], [instruction], context, ct,
            meta => meta["examples"] = new JsonArray(shown.Select(s => (JsonNode)s.Id).ToArray())).ConfigureAwait(false);
    }
}
