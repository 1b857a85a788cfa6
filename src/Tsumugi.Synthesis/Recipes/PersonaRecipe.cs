using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// Persona-driven prompts (Persona Hub): for each persona the model writes <c>per_persona</c> questions that person
/// would ask, each then answered. Personas come from the config (<c>personas</c>) or from the input records' <c>persona</c>
/// template, so the recipe runs with or without input files.
/// </summary>
public sealed class PersonaRecipe(string? system, Sampling answer, Sampling invent, IReadOnlyList<(string Id, string Text)> personas, int perPersona, PromptTemplate generate)
    : Recipe(system, answer)
{
    public override string Name => "persona";
    public override bool InventsPrompts => true;
    public override bool NeedsInputs => false;

    public static PersonaRecipe Read(YamlSection s, RecipeSetup setup, Sampling answer)
    {
        var inline = s.List("personas");
        List<(string, string)> personas;
        if (inline is not null)
        {
            if (setup.Inputs.Count > 0) throw s.Error("personas", "give personas either here or as input records (input.paths), not both");
            personas = inline.Select((p, i) => ($"persona:{i}", p)).ToList();
            s.String("persona"); // not used with an inline list; read so it is not an unknown key
        }
        else
        {
            var persona = setup.Template(s, "persona", "{persona}");
            personas = setup.Inputs.Select(i => (i.Id, persona.Render(i.Fields))).ToList();
        }
        if (personas.Count == 0) throw s.Error("personas", "no personas: list them here (personas: [...]) or give input records with a persona field");
        return new PersonaRecipe(s.String("system"), answer, Sampling.Read(s.Section("invent", allowed: null), answer with { Temperature = 1.0 }),
            personas, s.Int("per_persona", 1, min: 1), setup.Template(s, "generate", RecipePrompts.Persona, "persona"));
    }

    public override IEnumerable<SynthItem> Items(IReadOnlyList<SynthInput> inputs) =>
        personas.SelectMany((p, i) => Enumerable.Range(0, perPersona).Select(k => (p, i, k)))
            .Select((x, n) => new SynthItem(n, perPersona == 1 ? x.p.Id : $"{x.p.Id}#{x.k}", null));

    public override async Task<ItemResult> RunAsync(SynthItem item, RecipeContext context, CancellationToken ct)
    {
        var (id, persona) = personas[item.Index / perPersona];
        var invented = await context.AskAsync("generate", [ChatTurn.User(generate.Render(f => f == "persona" ? persona : null))], invent, $"question:{item.Key}", ct).ConfigureAwait(false);
        var question = Invented("question", invented);
        return await AnsweredAsync(item, [ChatTurn.User(question.Text)], [question], context, ct, meta =>
        {
            meta["seed_id"] = id;
            meta["persona"] = persona;
        }).ConfigureAwait(false);
    }
}
