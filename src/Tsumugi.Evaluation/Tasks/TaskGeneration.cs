using Tsumugi.Serving.Generation;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// The one place where evaluation generates text, so batched decoding can replace the loop without touching the
/// tasks: prompts arrive in groups of <c>batchSize</c>, and today each prompt of a group is decoded on its own with
/// <see cref="TextGenerator.Generate(IReadOnlyList{int}, SamplingOptions)"/> (greedy decoding does not depend on the
/// grouping, so results are the same for any batch size).
/// </summary>
internal static class TaskGeneration
{
    public static IReadOnlyList<GenerationResult> Generate(TextGenerator generator, IReadOnlyList<IReadOnlyList<int>> prompts,
        SamplingOptions options, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentException($"batch size must be ≥ 1 (got {batchSize}).");
        var results = new List<GenerationResult>(prompts.Count);
        foreach (var group in prompts.Chunk(batchSize))
            results.AddRange(group.Select(p => generator.Generate(p, options)));
        return results;
    }
}
