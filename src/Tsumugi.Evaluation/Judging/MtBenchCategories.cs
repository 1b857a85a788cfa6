namespace Tsumugi.Evaluation.Judging;

/// <summary>
/// What MT-Bench decides per category (FastChat llm_judge/common.py): the answer-generation temperature and whether
/// the judge compares against a reference answer.
/// </summary>
public static class MtBenchCategories
{
    /// <summary>The 8 categories of (Japanese) MT-Bench, 10 questions each, in the order leaderboards print them.</summary>
    public static readonly IReadOnlyList<string> Standard = ["writing", "roleplay", "reasoning", "math", "coding", "extraction", "stem", "humanities"];

    /// <summary>Creative categories sample more freely; categories with one right answer almost greedily.</summary>
    static readonly Dictionary<string, double> Temperatures = new(StringComparer.OrdinalIgnoreCase)
    {
        ["writing"] = 0.5, ["roleplay"] = 0.5,
        ["extraction"] = 0.2, ["stem"] = 0.2, ["humanities"] = 0.2,
        ["math"] = 0.1, ["coding"] = 0.1, ["reasoning"] = 0.1,
        ["arena-hard-200"] = 0.0,
    };

    /// <summary>FastChat's temperature for categories it does not list.</summary>
    public const double DefaultTemperature = 0.7;

    /// <summary>FastChat samples greedily below this temperature.</summary>
    public const double GreedyBelow = 1e-4;

    /// <summary>FastChat's NEED_REF_CATS: judged with the math prompt and a reference answer when one is given.</summary>
    public static readonly IReadOnlySet<string> NeedReference = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "math", "reasoning", "coding", "arena-hard-200" };

    public static double TemperatureFor(string category) => Temperatures.GetValueOrDefault(category, DefaultTemperature);

    /// <summary>The temperature handed to the sampler: 0 (greedy) below <see cref="GreedyBelow"/>.</summary>
    public static double SamplingTemperature(double temperature) => temperature < GreedyBelow ? 0 : temperature;
}
