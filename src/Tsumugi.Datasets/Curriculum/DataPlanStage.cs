namespace Tsumugi.Datasets.Curriculum;

/// <summary>One stage of a <see cref="DataPlan"/>: its rows and how they split across datasets.</summary>
public sealed record DataPlanStage
{
    public required string Name { get; init; }

    /// <summary>The budget as configured.</summary>
    public long TokenBudget { get; init; }

    /// <summary>Rows drawn before this stage starts (the sampler position where it begins).</summary>
    public long StartSample { get; init; }

    /// <summary>Rows: ⌈budget / seq_length⌉.</summary>
    public long Samples { get; init; }

    /// <summary>Trained tokens: Samples × seq_length (≥ the budget by less than one row).</summary>
    public long Tokens { get; init; }

    /// <summary>Rows per dataset, in <see cref="DataPlan.Datasets"/> order.</summary>
    public required IReadOnlyList<long> SamplesPerDataset { get; init; }

    /// <summary>Weights per dataset, in <see cref="DataPlan.Datasets"/> order.</summary>
    public required IReadOnlyList<double> Weights { get; init; }

    public StageLearningRate? LearningRate { get; init; }
}
