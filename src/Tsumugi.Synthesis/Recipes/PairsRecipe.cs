using System.Text.Json.Nodes;
using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Endpoints;
using Tsumugi.Synthesis.Inputs;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// Preference pairs for DPO: <c>samples</c> answers per prompt (sampled, each with its own seed), each rated by the
/// judge; the best becomes <c>chosen</c> and the worst <c>rejected</c>. A pair whose scores differ by less than
/// <c>min_margin</c>, or with fewer than two rated answers, teaches nothing and is rejected with that reason.
/// </summary>
public sealed class PairsRecipe(string? system, Sampling answer, Func<SynthInput, IReadOnlyList<ChatTurn>> prompt, int samples, double minMargin, JudgeScoring judge)
    : Recipe(system, answer)
{
    public override string Name => "pairs";
    public override bool MakesPairs => true;
    public override IReadOnlyList<string> Roles => ["generate", "judge"];

    public static PairsRecipe Read(YamlSection s, RecipeSetup setup, Sampling answer) => new(
        s.String("system"), answer with { Temperature = answer.Temperature > 0 ? answer.Temperature : 0.9 }, setup.Prompt(s, "{instruction}"),
        s.Int("samples", 4, min: 2, max: 32), s.Double("min_margin", 1, 0, 9), JudgeScoring.Read(s, setup));

    public override IEnumerable<SynthItem> Items(IReadOnlyList<SynthInput> inputs) => PerInput(inputs);

    public override async Task<ItemResult> RunAsync(SynthItem item, RecipeContext context, CancellationToken ct)
    {
        var conversation = Conversation(WithoutOwnSystem(prompt(item.Input!)));
        var instruction = LastUser(conversation);
        var replies = await Task.WhenAll(Enumerable.Range(0, samples).Select(i => AnswerAsync(conversation, context, $"sample{i}", ct))).ConfigureAwait(false);
        var scores = await Task.WhenAll(replies.Select((r, i) => judge.ScoreAsync(instruction, r.Text.Trim(), context, $"judge{i}", ct))).ConfigureAwait(false);
        var rated = Enumerable.Range(0, samples).Where(i => scores[i] is not null).OrderByDescending(i => scores[i]).ThenBy(i => i).ToList();
        int best = rated.Count > 0 ? rated[0] : 0, worst = rated.Count > 0 ? rated[^1] : 0;
        var meta = SynthRecords.Meta(Name, item, replies[best]);
        meta["scores"] = new JsonArray(scores.Select(s => (JsonNode?)(s is { } v ? JsonValue.Create(v) : null)).ToArray());
        meta["chosen_score"] = scores[best];
        meta["rejected_score"] = scores[worst];
        var (chosen, rejected) = (Gated("chosen", replies[best]), Gated("rejected", replies[worst]));
        var record = SynthRecords.Pair(conversation, chosen.Text, rejected.Text, meta);
        string? refusal = rated.Count < 2 ? $"pairs: only {rated.Count} of {samples} answers got a judge score"
            : scores[best] - scores[worst] < minMargin ? $"pairs: best and worst scores {scores[best]} and {scores[worst]} differ by less than min_margin {minMargin}"
            : chosen.Text == rejected.Text ? "pairs: chosen and rejected are the same text" : null;
        // Only the chosen answer is gated: the rejected one is meant to be worse (a cut-off rejected answer is still a fine negative).
        return new ItemResult(record, [chosen], instruction, chosen.Text, refusal);
    }
}
