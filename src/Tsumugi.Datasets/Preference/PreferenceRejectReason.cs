using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Preference;

/// <summary>
/// Why a preference record was left out, beyond the reasons it shares with SFT data (<see cref="SftRejectReason"/>:
/// malformed JSON, a missing column, the wrong type, an unknown role, non-text content, an empty turn, a bad role order).
/// </summary>
public static class PreferenceRejectReason
{
    /// <summary>Chosen and rejected are the same: the pair carries no preference.</summary>
    public const string IdenticalPair = "identical_pair";

    /// <summary>Without a prompt column, chosen and rejected share no leading text or message to be the prompt.</summary>
    public const string NoSharedPrompt = "no_shared_prompt";

    /// <summary>A KTO label that is not a JSON boolean (true = desirable, false = undesirable).</summary>
    public const string BadLabel = "bad_label";
}
