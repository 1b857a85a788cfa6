namespace Tsumugi.Datasets.Preference;

/// <summary>
/// The preference data as read: its resolved format, training and held-out examples — pairs for paired data, labelled
/// examples for unpaired data (the other two lists are empty) — and the report of what was read and left out.
/// </summary>
public sealed class PreferenceDataset(
    PreferenceFormat format,
    IReadOnlyList<PreferenceExample> train,
    IReadOnlyList<PreferenceExample> validation,
    IReadOnlyList<UnpairedPreferenceExample> unpairedTrain,
    IReadOnlyList<UnpairedPreferenceExample> unpairedValidation,
    PreferenceReadReport report)
{
    /// <summary><see cref="PreferenceFormat.Paired"/> or <see cref="PreferenceFormat.Unpaired"/>, never auto.</summary>
    public PreferenceFormat Format { get; } = format;

    public IReadOnlyList<PreferenceExample> Train { get; } = train;
    public IReadOnlyList<PreferenceExample> Validation { get; } = validation;
    public IReadOnlyList<UnpairedPreferenceExample> UnpairedTrain { get; } = unpairedTrain;
    public IReadOnlyList<UnpairedPreferenceExample> UnpairedValidation { get; } = unpairedValidation;
    public PreferenceReadReport Report { get; } = report;
}
