using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Preference;

/// <summary>
/// TRL's <c>extract_prompt</c> for records without a prompt column: the prompt is what chosen and rejected begin with —
/// for conversations the leading messages they share, for text the leading characters they share.
/// </summary>
internal static class ImplicitPrompt
{
    /// <summary>How many leading messages the two conversations share (role and content equal).</summary>
    public static int SharedMessages(IReadOnlyList<SftMessage> chosen, IReadOnlyList<SftMessage> rejected)
    {
        var n = 0;
        while (n < chosen.Count && n < rejected.Count && chosen[n] == rejected[n]) n++;
        return n;
    }

    /// <summary>
    /// Where the shared prompt of two texts ends. As TRL, a space just before the first difference goes with the answers
    /// ("The sky is" + " blue." / " green."); a surrogate pair is never cut.
    /// </summary>
    public static int SharedText(string chosen, string rejected)
    {
        var n = 0;
        while (n < chosen.Length && n < rejected.Length && chosen[n] == rejected[n]) n++;
        if (n > 0 && char.IsHighSurrogate(chosen[n - 1])) n--;
        if (n > 0 && n < chosen.Length && n < rejected.Length && chosen[n - 1] == ' ') n--;
        return n;
    }
}
