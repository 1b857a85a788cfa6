using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// What a recipe's config reader needs to check its templates before the first request: the input records (the fields
/// every one has are what templates may name), the inputs' name for messages, and the run's default answer sampling.
/// </summary>
public sealed record RecipeSetup(IReadOnlyList<SynthInput> Inputs, string InputName, Sampling Answer)
{
    public IReadOnlyCollection<string> InputFields { get; } = InputReader.CommonFields(Inputs);

    /// <summary>Reads a template key (or its default) and checks its placeholders against the recipe's and the inputs' fields.</summary>
    public PromptTemplate Template(YamlSection s, string key, string fallback, params string[] recipeFields)
    {
        // PromptTemplate's messages start with "key: "; the section's error adds the full path, file and line instead.
        try
        {
            var template = new PromptTemplate(key, s.String(key) ?? fallback);
            template.Check(recipeFields, InputFields, InputName);
            return template;
        }
        catch (FormatException e) { throw s.Error(key, e.Message[(key.Length + 2)..]); }
    }

    /// <summary>
    /// The prompt of recipes that answer the inputs: <c>prompt_messages: FIELD</c> (a whole conversation from each record,
    /// e.g. a DPO prompt file) or the <c>prompt</c> template (one user turn).
    /// </summary>
    public Func<SynthInput, IReadOnlyList<ChatTurn>> Prompt(YamlSection s, string fallback)
    {
        if (s.String("prompt_messages") is { } field)
        {
            if (s.Has("prompt")) throw s.Error("prompt_messages", "give either prompt (a template) or prompt_messages (a field of messages), not both");
            if (Inputs.FirstOrDefault(i => !i.Conversations.ContainsKey(field)) is { } bad)
                throw s.Error("prompt_messages", $"{bad.Where} has no '{field}' list of {{role, content}} messages");
            return input => input.Conversations[field];
        }
        var template = Template(s, "prompt", fallback);
        return input => [ChatTurn.User(template.Render(input.Fields))];
    }
}
