using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Preference;

/// <summary>
/// One validated KTO example: a prompt, one completion, and whether that completion is desirable
/// (<paramref name="Label"/>). <paramref name="IsPlainText"/> as <see cref="PreferenceExample.IsPlainText"/>.
/// </summary>
public sealed record UnpairedPreferenceExample(
    IReadOnlyList<SftMessage> Prompt, IReadOnlyList<SftMessage> Completion, bool Label, bool IsPlainText, SftLocation Location);
