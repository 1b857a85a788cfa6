using System.Text.Json.Nodes;
using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// Evol-Instruct: each seed instruction is rewritten <c>rounds</c> times, each round by one operation — deeper
/// (constraints, depth, concreteness, reasoning steps) or broader (a new instruction nearby) — taken in turn from the
/// list so items spread over all of them; then the final instruction is answered. The record keeps the operations used.
/// </summary>
public sealed class EvolRecipe(string? system, Sampling answer, Sampling invent, int rounds, PromptTemplate seedText, IReadOnlyList<(string Name, PromptTemplate Prompt)> operations)
    : Recipe(system, answer)
{
    public override string Name => "evol";
    public override bool InventsPrompts => true;

    public static EvolRecipe Read(YamlSection s, RecipeSetup setup, Sampling answer)
    {
        var section = s.Section("operations", allowed: null);
        var names = section.Keys.ToList();
        var operations = names.Count > 0
            ? names.Select(n => (n, setup.Template(section, n, "", "instruction"))).ToList()
            : RecipePrompts.EvolOperations.Select(o => (o.Name, new PromptTemplate($"operations.{o.Name}", o.Prompt))).ToList();
        return new EvolRecipe(s.String("system"), answer, Sampling.Read(s.Section("invent", allowed: null), answer with { Temperature = 0.7 }),
            s.Int("rounds", 1, min: 1, max: 10), setup.Template(s, "instruction", "{instruction}"), operations);
    }

    public override IEnumerable<SynthItem> Items(IReadOnlyList<SynthInput> inputs) => PerInput(inputs);

    public override IEnumerable<string> SeedPrompts(IReadOnlyList<SynthInput> inputs) => inputs.Select(i => seedText.Render(i.Fields));

    public override async Task<ItemResult> RunAsync(SynthItem item, RecipeContext context, CancellationToken ct)
    {
        var instruction = seedText.Render(item.Input!.Fields);
        var used = new JsonArray();
        var gated = new List<GatedText>();
        for (int round = 0; round < rounds; round++)
        {
            var (name, prompt) = operations[(item.Index + round) % operations.Count];
            var evolved = await context.AskAsync("generate", [ChatTurn.User(prompt.Render(f => f == "instruction" ? instruction : null))], invent, $"evol{round}", ct).ConfigureAwait(false);
            var text = Invented($"instruction (round {round + 1}, {name})", evolved);
            gated.Add(text);
            instruction = text.Text;
            used.Add(name);
        }
        return await AnsweredAsync(item, [ChatTurn.User(instruction)], gated, context, ct, meta => meta["operations"] = used).ConfigureAwait(false);
    }
}
