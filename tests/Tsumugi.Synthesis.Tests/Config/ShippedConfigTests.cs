using Tsumugi.Synthesis.Config;

namespace Tsumugi.Synthesis.Tests.Config;

/// <summary>configs/synth-*.yaml: one per recipe, each read and checked whole (inputs, templates, gates) as a run would.</summary>
public sealed class ShippedConfigTests
{
    [Fact]
    public void EveryRecipeHasAShippedConfigThatLoads()
    {
        var configs = Directory.GetFiles(RepoPaths.Configs, "synth-*.yaml");
        var recipes = configs.Select(path => SynthConfig.Load(path, _ => null)).Select(c => c.Recipe.Name).Order().ToList();
        Assert.Equal(SynthConfig.RecipeNames.Order(), recipes);
    }

    [Fact]
    public void TheShippedPromptsAreTheDefaults()
    {
        // The configs spell the default prompts out so users can edit them; an edit to one must not silently diverge.
        string Config(string name) => File.ReadAllText(Path.Combine(RepoPaths.Configs, name));
        static string Indented(string text, int indent) => string.Join("\n", text.Split('\n').Select(l => l.Length == 0 ? "" : new string(' ', indent) + l));
        Assert.Contains(Indented(Recipes.RecipePrompts.SelfInstruct, 4), Config("synth-self-instruct.yaml"), StringComparison.Ordinal);
        Assert.Contains(Indented(Recipes.RecipePrompts.Persona, 4), Config("synth-persona.yaml"), StringComparison.Ordinal);
        Assert.Contains(Indented(Recipes.RecipePrompts.NextUserTurn, 4), Config("synth-multi-turn.yaml"), StringComparison.Ordinal);
        Assert.Contains(Indented(Recipes.RecipePrompts.Translate, 4), Config("synth-translate.yaml"), StringComparison.Ordinal);
        Assert.Contains(Indented(Recipes.RecipePrompts.Judge, 4), Config("synth-pairs.yaml"), StringComparison.Ordinal);
        foreach (var (_, prompt) in Recipes.RecipePrompts.EvolOperations)
            Assert.Contains(Indented(prompt, 6), Config("synth-evol.yaml"), StringComparison.Ordinal);
    }
}
