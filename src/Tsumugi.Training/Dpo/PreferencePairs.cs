using Tsumugi.Datasets.Sampling;
using Tsumugi.Datasets.Preference;
using Tsumugi.Datasets.Sft;

namespace Tsumugi.Training.Dpo;

/// <summary>A pair as the encoder takes it: two conversations sharing a prompt (KTO: the example, and the same prompt with another example's completion).</summary>
internal sealed record PreferencePair(SftExample Chosen, SftExample Rejected, bool Desirable, SftLocation Location);

/// <summary>Preference records → the conversations a preference run encodes.</summary>
internal static class PreferencePairs
{
    /// <summary>Chosen/rejected pairs: both conversations are the prompt followed by one answer.</summary>
    public static IEnumerable<PreferencePair> Paired(IEnumerable<PreferenceExample> examples) => examples.Select(e =>
        new PreferencePair(Conversation(e.Prompt, e.Chosen, e.IsPlainText, e.Location), Conversation(e.Prompt, e.Rejected, e.IsPlainText, e.Location), true, e.Location));

    /// <summary>
    /// KTO's examples, each with its KL input: the same prompt followed by another example's completion. TRL takes the
    /// previous example of the shuffled batch; here the partner is fixed once per run — the next example in a seeded
    /// permutation — so the rows, and the reference log-probs cached for them, never change between steps or resumes.
    /// </summary>
    public static IEnumerable<PreferencePair> Unpaired(IReadOnlyList<UnpairedPreferenceExample> examples, long seed)
    {
        var order = DeterministicRandom.For(seed, 0x4B54).Permutation(examples.Count);
        var partner = new int[examples.Count];
        for (var i = 0; i < order.Length; i++) partner[order[i]] = order[(i + 1) % order.Length];
        return examples.Select((e, i) => new PreferencePair(
            Conversation(e.Prompt, e.Completion, e.IsPlainText, e.Location),
            Conversation(e.Prompt, examples[partner[i]].Completion, e.IsPlainText, e.Location), e.Label, e.Location));
    }

    /// <summary>The held-out prompts whose answers samples.jsonl logs (rendered with the chosen answer as the reference).</summary>
    public static IEnumerable<SftExample> Prompts(PreferenceDataset data) =>
        data.Validation.Select(e => Conversation(e.Prompt, e.Chosen, e.IsPlainText, e.Location))
            .Concat(data.UnpairedValidation.Where(e => e.Label).Select(e => Conversation(e.Prompt, e.Completion, e.IsPlainText, e.Location)));

    static SftExample Conversation(IReadOnlyList<SftMessage> prompt, IReadOnlyList<SftMessage> completion, bool plain, SftLocation location) => new()
    {
        Messages = [.. prompt, .. completion],
        PromptMessageCount = prompt.Count,
        IsPlainText = plain,
        Location = location,
    };
}
