namespace Tsumugi.Datasets.Sft;

/// <summary>Why a record was left out; the keys of <see cref="SftReadReport.RejectedByReason"/>.</summary>
public static class SftRejectReason
{
    /// <summary>Not valid JSON, or not a JSON object.</summary>
    public const string MalformedJson = "malformed_json";

    /// <summary>A column the file's first record had is missing from this record.</summary>
    public const string MissingColumn = "missing_column";

    /// <summary>A field of the wrong JSON type (a number where text belongs, a message that is not an object…).</summary>
    public const string WrongType = "wrong_type";

    /// <summary>A role SFT cannot train on (tool, function, observation…).</summary>
    public const string UnknownRole = "unknown_role";

    /// <summary>Content that is not text (an image part) or a message with no content.</summary>
    public const string NonTextContent = "non_text_content";

    /// <summary>A turn whose content is empty or whitespace.</summary>
    public const string EmptyTurn = "empty_turn";

    /// <summary>Roles out of order: see <see cref="SftConversationRules"/>.</summary>
    public const string BadRoleOrder = "bad_role_order";

    /// <summary>Longer than the sequence length after tokenization, with <c>overlong: skip</c> (added by the engine).</summary>
    /// <summary>The chat template refused the conversation (raise_exception), e.g. a system message it has no place for.</summary>
    public const string TemplateError = "template_error";

    public const string TooLong = "too_long";
}
