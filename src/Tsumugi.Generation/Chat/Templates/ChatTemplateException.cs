namespace Tsumugi.Generation.Chat.Templates;

/// <summary>
/// A chat template that cannot be parsed or rendered: a syntax error, a construct the renderer does not support
/// (named, with its line and column), or a runtime error such as attribute access on an undefined value. Rendering
/// never silently continues past one, so a template either renders as transformers would or fails.
/// </summary>
public class ChatTemplateException : Exception
{
    internal ChatTemplateException(SourcePos at, string message) : base(message)
        => (Line, Column, Reason) = (at.Line, at.Column, message);

    /// <summary>Where the template came from (a file and field), for the message; "chat template" when unknown.</summary>
    public string Origin { get; internal set; } = "chat template";

    public override string Message => $"{Origin}, line {Line}, column {Column}: {Reason}";

    /// <summary>1-based line of the construct in the template source.</summary>
    public int Line { get; }

    /// <summary>1-based column of the construct in the template source.</summary>
    public int Column { get; }

    /// <summary>The message without the position.</summary>
    public string Reason { get; }
}

/// <summary>The template called <c>raise_exception(msg)</c>: the conversation is one the model's format cannot express.</summary>
public sealed class ChatTemplateRaisedException : ChatTemplateException
{
    internal ChatTemplateRaisedException(SourcePos at, string message) : base(at, "the template raised an error: " + message)
        => TemplateMessage = message;

    /// <summary>The message the template passed to raise_exception, e.g. "Conversation roles must alternate …".</summary>
    public string TemplateMessage { get; }
}
