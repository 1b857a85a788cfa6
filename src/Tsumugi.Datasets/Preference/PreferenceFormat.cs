namespace Tsumugi.Datasets.Preference;

/// <summary>The record shapes preference data may hold (YAML <c>data.format</c>, snake_case), as TRL names them.</summary>
public enum PreferenceFormat
{
    /// <summary>Decided from the first record's fields: <c>chosen</c>/<c>rejected</c> → paired, <c>completion</c>/<c>label</c> → unpaired.</summary>
    Auto,

    /// <summary>
    /// <c>prompt</c> (optional: without it the prompt is what chosen and rejected begin with), <c>chosen</c>,
    /// <c>rejected</c>; all strings (standard) or all message lists (conversational). DPO, ORPO, SimPO/CPO.
    /// </summary>
    Paired,

    /// <summary><c>prompt</c>, <c>completion</c>, <c>label</c> (true = desirable); strings or message lists. KTO.</summary>
    Unpaired,
}
