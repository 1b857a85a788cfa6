using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// How `chat`, `serve` and `eval judge` load a model to chat with, so the three render the same prompt: without
/// <c>--chat-format</c> the directory's own chat_template (chat_template.jinja or tokenizer_config.json) is rendered as
/// written, the built-in format it is recognised as picking the turn-end stops; with it, that built-in template.
/// </summary>
internal static class ChatModelLoader
{
    /// <summary>
    /// Parses <paramref name="chatFormat"/> (the <c>--chat-format</c> value, or null) and checks the directory's
    /// template before <paramref name="load"/> reads the weights, so a bad name or an unsupported template costs
    /// nothing; prints the detection warning, if any. Returns the model and a one-line description for the banner.
    /// </summary>
    public static (PretrainedModel Model, string Description) Load(string dir, string? chatFormat, Func<ChatPromptFormat?, PretrainedModel> load)
    {
        var forced = chatFormat is { } name ? ChatPrompt.ParseFormat(name) : (ChatPromptFormat?)null;
        string source = "--chat-format";
        if (forced is null)
        {
            var detected = ChatPrompt.Inspect(dir);
            if (detected.Warning is { } warning) Console.Error.WriteLine($"warning: {warning}");
            source = detected.Source;
            CheckTemplate(dir);
        }
        var model = load(forced);
        return (model, $"{model.ChatTemplate.Origin}; turn-end stops of the {ChatPrompt.Name(model.ChatFormat)} format ({source})");
    }

    /// <summary>An unsupported construct fails here, naming it, with the way out (a built-in template).</summary>
    static void CheckTemplate(string dir)
    {
        try
        {
            ModelChatTemplate.Load(dir);
        }
        catch (ChatTemplateException e)
        {
            throw new InvalidDataException($"{e.Message}. Pass --chat-format {ChatPrompt.FormatNames} to render a built-in format instead.", e);
        }
    }
}
