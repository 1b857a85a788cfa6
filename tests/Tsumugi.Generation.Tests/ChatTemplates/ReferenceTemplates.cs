using System.Text.Json;
using System.Text.RegularExpressions;
using Tsumugi.Generation.Chat;

namespace Tsumugi.Generation.Tests.ChatTemplates;

/// <summary>A real model's chat_template from ../shared/reference/chat-templates.md §4, with its §5 test vector.</summary>
public sealed record ReferenceTemplate(string Name, string Template, string? Bos, string Eos, bool VectorUsesSystem, string Expected, string? SystemError)
{
    public override string ToString() => Name;

    public Dictionary<string, string> SpecialTokens()
    {
        var tokens = new Dictionary<string, string> { ["eos_token"] = Eos };
        if (Bos is not null) tokens["bos_token"] = Bos;
        return tokens;
    }
}

/// <summary>
/// Reads the templates and rendered vectors from the shared reference at test time (they are long; copying them
/// into the tests would let the two drift). §4 holds each template as a JSON string in a ```json block, §5 the
/// vectors in the same order, each with its bos/eos and which conversation (A, or B with a system message) it renders.
/// </summary>
public static partial class ReferenceTemplates
{
    public static string Path => System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoPaths.Root, "..", "shared", "reference", "chat-templates.md"));

    /// <summary>Conversation A of §5: user / assistant / user.</summary>
    public static readonly ChatMessage[] ConversationA = [new("user", "こんにちは"), new("assistant", "はい、こんにちは。"), new("user", "日本の首都は？")];

    /// <summary>Conversation B of §5: A preceded by a system message.</summary>
    public static readonly ChatMessage[] ConversationB = [new("system", "あなたは誠実で優秀な日本人のアシスタントです。"), .. ConversationA];

    static readonly Lazy<IReadOnlyList<ReferenceTemplate>> Cache = new(Read);

    public static IReadOnlyList<ReferenceTemplate> All => Cache.Value;

    public static TheoryData<string> Names() => new(All.Select(t => t.Name));

    public static ReferenceTemplate Get(string name) => All.Single(t => t.Name == name);

    static IReadOnlyList<ReferenceTemplate> Read()
    {
        if (!File.Exists(Path)) throw new FileNotFoundException($"{Path} is missing: the chat-template tests read the shared reference beside the checkout.");
        var text = File.ReadAllText(Path);
        int s4 = text.IndexOf("\n## 4.", StringComparison.Ordinal), s5 = text.IndexOf("\n## 5.", StringComparison.Ordinal);
        var templates = JsonBlockRegex().Matches(text[s4..s5]).Select(m => JsonSerializer.Deserialize<string>(m.Groups[1].Value)!).ToList();
        var vectors = VectorRegex().Matches(text[s5..]).ToList();
        if (templates.Count != vectors.Count || templates.Count < 12)
            throw new InvalidDataException($"{Path}: expected one §5 vector per §4 template, found {templates.Count} templates and {vectors.Count} vectors.");
        return templates.Zip(vectors, (template, v) => new ReferenceTemplate(
            v.Groups["name"].Value, template,
            v.Groups["bos"].Value == "(none)" ? null : v.Groups["bos"].Value, v.Groups["eos"].Value,
            v.Groups["conv"].Value == "B",
            JsonSerializer.Deserialize<string>(v.Groups["expected"].Value)!,
            v.Groups["error"].Success ? v.Groups["error"].Value : null)).ToList();
    }

    [GeneratedRegex("```json\\n(\".*\")\\n```")]
    private static partial Regex JsonBlockRegex();

    [GeneratedRegex(@"- \*\*(?<name>\w+)\*\* \(bos `(?<bos>[^`]+)`, eos `(?<eos>[^`]+)`\), conversation (?<conv>[AB]):\n\s*```\n\s*(?<expected>"".*"")\n\s*```(\n\s*B → `ERROR: (?<error>[^`]+)`)?")]
    private static partial Regex VectorRegex();
}
