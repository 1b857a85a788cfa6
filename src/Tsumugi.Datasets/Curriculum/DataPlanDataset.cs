namespace Tsumugi.Datasets.Curriculum;

/// <summary>One dataset's part of a <see cref="DataPlan"/>: what is stored and how much of it the plan reads.</summary>
public sealed record DataPlanDataset
{
    public required string Name { get; init; }
    public required string Path { get; init; }
    public required string Domain { get; init; }
    public long Documents { get; init; }

    /// <summary>Training tokens per epoch: stored tokens (plus virtual EOS) minus the held-out documents.</summary>
    public long Tokens { get; init; }

    /// <summary>Tokens in the held-out (validation) documents; 0 without a split.</summary>
    public long ValidationTokens { get; init; }

    public long SamplesPerEpoch { get; init; }

    /// <summary>Rows all stages draw from this dataset.</summary>
    public long PlannedSamples { get; init; }

    /// <summary>Trained tokens those rows carry (rows × seq_length).</summary>
    public long PlannedTokens { get; init; }

    /// <summary>Passes over the data the plan implies (PlannedSamples / SamplesPerEpoch).</summary>
    public double Epochs { get; init; }

    public double MaxEpochs { get; init; }
}
