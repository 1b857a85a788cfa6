using Tsumugi.Common.Config;
using Tsumugi.Evaluation.Judging;
using Tsumugi.Synthesis.Config;
using Tsumugi.Synthesis.Endpoints;

namespace Tsumugi.Synthesis.Recipes;

/// <summary>
/// Rates an answer 1–10 with a model in the <c>judge</c> role (MT-Bench style: the judge ends with <c>[[N]]</c>, parsed
/// by the evaluation judge's <see cref="VerdictParser"/>). Used by the pairs recipe to rank its samples and by the
/// optional judge gate. Greedy, so a resumed run replays the same verdict from the request cache.
/// </summary>
public sealed class JudgeScoring(string system, PromptTemplate prompt, Sampling sampling)
{
    public static JudgeScoring Read(YamlSection s, RecipeSetup setup) => new(
        s.String("judge_system") ?? RecipePrompts.JudgeSystem, setup.Template(s, "judge_prompt", RecipePrompts.Judge, "instruction", "answer"),
        Sampling.Read(s.Section("judge_sampling", allowed: null), Sampling.Judge));

    /// <summary>The score, or null when the judge gave no <c>[[N]]</c> (or an out-of-range one).</summary>
    public async Task<double?> ScoreAsync(string instruction, string answer, RecipeContext context, string step, CancellationToken ct)
    {
        var user = prompt.Render(f => f switch { "instruction" => instruction, "answer" => answer, _ => null });
        var reply = await context.AskAsync("judge", [ChatTurn.System(system), ChatTurn.User(user)], sampling, step, ct).ConfigureAwait(false);
        return VerdictParser.Parse(reply.Text) is { } score && score is >= 1 and <= 10 ? score : null;
    }
}
