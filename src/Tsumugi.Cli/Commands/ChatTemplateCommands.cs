using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Cli.Commands;

/// <summary>
/// `tsumugi chat-template render`: shows what a model's chat_template makes of a conversation, and with --mask which
/// tokens SFT would train on (the assistant turns), so a template and a training setup can be checked before a run.
/// </summary>
public static class ChatTemplateCommands
{
    /// <summary>The group's name and description: the root command lists them without building the group (CliApp).</summary>
    internal const string Name = "chat-template";
    internal const string Description =
        "Inspect how chat templates render conversations.";

    public static Command Create()
    {
        var tokenizer = CommonOptions.Tokenizer("Tokenizer or model directory: its tokenizer_config.json chat_template (or chat_template.jinja) is rendered.");
        var messages = new Option<string>("--messages")
        {
            Description = "JSON file: an OpenAI messages array, or an object with \"messages\" (and optionally \"tools\" and other template variables).",
            Required = true,
        };
        var generationPrompt = new Option<bool>("--add-generation-prompt") { Description = "End with the opening of the assistant's next turn (as for inference)." };
        var mask = new Option<bool>("--mask") { Description = "Also list the tokens, marking with '+' those SFT trains on (the assistant turns)." };
        var format = new Option<string?>("--chat-format") { Description = $"Render a built-in format instead of the directory's template: {ChatPrompt.FormatNames}." };
        var render = new Command("render", "Render a conversation with a tokenizer directory's chat template.") { tokenizer, messages, generationPrompt, mask, format };
        render.SetAction(parse =>
        {
            var dir = parse.GetValue(tokenizer)!;
            var template = parse.GetValue(format) is { } name ? BuiltInChatTemplates.For(ChatPrompt.ParseFormat(name))
                : ModelChatTemplate.Load(dir) ?? throw new InvalidDataException(
                    $"{dir}: no chat_template in tokenizer_config.json and no chat_template.jinja; pass --chat-format {ChatPrompt.FormatNames}.");
            var (conversation, variables) = ReadMessages(parse.GetValue(messages)!);
            bool agp = parse.GetValue(generationPrompt);
            if (!parse.GetValue(mask))
            {
                Console.Write(template.RenderJson(conversation, agp, variables));
                Console.WriteLine();
                return 0;
            }
            var chat = template.RenderJsonWithSpans(conversation, agp, variables);
            Console.Write(chat.Text);
            Console.WriteLine();
            var tok = TokenizerDirectory.Load(dir);
            var masked = ChatTokenMask.Encode(tok, chat);
            int trained = masked.Trained.Count(t => t);
            Console.WriteLine($"--- {masked.Ids.Count} tokens, {trained} trained (+); spans from "
                + (template.HasGenerationBlocks ? "{% generation %} blocks" : "rendering prefixes of the conversation") + " ---");
            for (int i = 0; i < masked.Ids.Count; i++)
                Console.WriteLine($"{(masked.Trained[i] ? '+' : ' ')} {i,5} {masked.Ids[i],7}  {Show(tok.IdToPiece(masked.Ids[i]))}");
            return 0;
        });
        return new Command(Name, Description) { render };
    }

    /// <summary>The messages array, and any other top-level fields as template variables (tools, date_string, …).</summary>
    static (JsonArray Messages, JsonObject? Variables) ReadMessages(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
        switch (root)
        {
            case JsonArray list: return (list, null);
            case JsonObject o when o["messages"] is JsonArray list:
                var variables = new JsonObject();
                foreach (var (k, v) in o) if (k != "messages") variables[k] = v?.DeepClone();
                return (list, variables);
            default:
                throw new InvalidDataException($"{path}: expected a JSON array of messages or an object with a \"messages\" array.");
        }
    }

    /// <summary>A piece with its invisible characters visible: newline as \n, tab as \t.</summary>
    static string Show(string piece)
    {
        var sb = new StringBuilder();
        foreach (char c in piece) sb.Append(c switch { '\n' => "\\n", '\t' => "\\t", '\r' => "\\r", _ => c.ToString() });
        return sb.ToString();
    }
}
