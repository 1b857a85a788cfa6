using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;

namespace Tsumugi.Generation.Tests.ChatTemplates;

/// <summary>
/// Acceptance test against an independent renderer: Hugging Face's own JavaScript Jinja engine
/// (`@huggingface/jinja`, installed into .build/npm by scripts/install-test-deps.sh) renders every reference
/// template and the built-in formats over seeded random dialogues (with and without a system message, 1–4 turns,
/// generation prompt on and off, Japanese text, white space at the edges), and Tsumugi's rendering must equal it
/// byte for byte; where it raises, Tsumugi must raise the same message.
/// </summary>
public sealed class NpmJinjaOracleTests
{
    const string Script = """
        const { Template } = require('@huggingface/jinja');
        const fs = require('fs');
        const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
        const out = cases.map(c => {
          try { return { text: new Template(c.template).render(c.context) }; }
          catch (e) { return { error: String(e.message) }; }
        });
        fs.writeFileSync(process.argv[3], JSON.stringify(out));
        """;

    static readonly string[] Phrases =
    [
        "こんにちは", "日本の首都はどこですか？", "東京です。", "富士山の高さは3776メートルです。", "ありがとうございます！",
        "「吾輩は猫である」の作者は？", "夏目漱石です。", "箇条書きで答えて:\n- りんご\n- みかん", "Pythonで `print(\"hi\")` と書きます。",
        "数式: 1 + 1 = 2", "It's a \"quoted\" word.", "改行\n\nを含む文", "絵文字🍣も含む",
    ];

    /// <summary>Seeded dialogues: optional system message, 1–4 user turns, the last assistant answer present or not.</summary>
    static List<(JsonArray Messages, bool AddGenerationPrompt)> Dialogues(int seed, int count)
    {
        var random = new Random(seed);
        var result = new List<(JsonArray, bool)>();
        for (int n = 0; n < count; n++)
        {
            var messages = new JsonArray();
            int unique = 0;
            // Every text is distinct: Python compares message dicts by value, JavaScript by reference.
            string Text() => (random.Next(4) == 0 ? " " : "") + Phrases[random.Next(Phrases.Length)] + $"({n}.{unique++})" + (random.Next(4) == 0 ? "\n" : "");
            if (random.Next(2) == 0) messages.Add(new JsonObject { ["role"] = "system", ["content"] = "あなたは誠実で優秀な日本人のアシスタントです。" + Text() });
            int turns = random.Next(1, 5);
            for (int t = 0; t < turns; t++)
            {
                messages.Add(new JsonObject { ["role"] = "user", ["content"] = Text() });
                if (t < turns - 1 || random.Next(2) == 0) messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = Text() });
            }
            result.Add((messages, random.Next(2) == 0));
        }
        return result;
    }

    static IEnumerable<(string Name, ChatTemplate Template)> Templates()
    {
        foreach (var r in ReferenceTemplates.All) yield return (r.Name, ChatTemplate.Parse(r.Template, r.SpecialTokens(), r.Name));
        foreach (var f in new[] { ChatPromptFormat.ChatMl, ChatPromptFormat.Llama2, ChatPromptFormat.Instruction })
            yield return ("built-in " + ChatPrompt.Name(f), BuiltInChatTemplates.For(f));
    }

    [Fact]
    public void Render_RandomDialogues_EqualHuggingFaceJinjaByteForByte()
    {
        var cases = new List<(string Name, ChatTemplate Template, JsonObject Context)>();
        foreach (var (name, template) in Templates())
            foreach (var (messages, agp) in Dialogues(seed: 17, count: 40))
                cases.Add((name, template, template.Context(messages, agp)));
        // The ChatML-with-tools and Llama-3.1 paths: tools as JSON schemas, rendered through tojson.
        var tools = JsonNode.Parse("""[{"type": "function", "function": {"name": "get_weather", "description": "天気を調べる", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "都市名"}}, "required": ["city"]}}}]""")!.AsArray();
        foreach (var name in new[] { "qwen25", "llama3_1", "mistral_v03_tools" })
        {
            var template = ChatTemplate.Parse(ReferenceTemplates.Get(name).Template, ReferenceTemplates.Get(name).SpecialTokens(), name);
            foreach (var (messages, agp) in Dialogues(seed: 18, count: 5))
                cases.Add((name + " +tools", template, template.Context(messages, agp, new JsonObject { ["tools"] = tools.DeepClone() })));
        }

        var expected = RunNode(cases.Select(c => new JsonObject { ["template"] = c.Template.Source, ["context"] = c.Context.DeepClone() }));
        Assert.Equal(cases.Count, expected.Count);
        int rendered = 0, raised = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            var (name, template, context) = cases[i];
            var oracle = expected[i]!.AsObject();
            if (oracle["error"] is { } error)
            {
                var e = Assert.Throws<ChatTemplateRaisedException>(() => template.RenderContext(context));
                Assert.Equal(error.GetValue<string>(), e.TemplateMessage);
                raised++;
                continue;
            }
            var actual = template.RenderContext(context).Text;
            var want = oracle["text"]!.GetValue<string>();
            Assert.True(want == actual, $"case {i} ({name}, add_generation_prompt={context["add_generation_prompt"]}):\n"
                + $"messages: {context["messages"]!.ToJsonString()}\n@huggingface/jinja: {JsonSerializer.Serialize(want)}\nTsumugi:            {JsonSerializer.Serialize(actual)}");
            rendered++;
        }
        Assert.True(rendered > cases.Count / 2 && raised > 0, $"{rendered} rendered, {raised} raised: the dialogues should exercise both");
    }

    /// <summary>Runs <see cref="Script"/> with node over the cases, resolving @huggingface/jinja from .build/npm.</summary>
    static JsonArray RunNode(IEnumerable<JsonObject> cases)
    {
        var modules = Path.Combine(RepoPaths.Root, ".build", "npm", "node_modules");
        if (!File.Exists(Path.Combine(modules, "@huggingface", "jinja", "package.json")))
            throw new InvalidOperationException($"{modules}/@huggingface/jinja is missing; run scripts/install-test-deps.sh");
        using var dir = new TempDirectory();
        var (script, input, output) = (dir.File("render.cjs"), dir.File("cases.json"), dir.File("out.json"));
        File.WriteAllText(script, Script);
        File.WriteAllText(input, new JsonArray(cases.Select(c => (JsonNode)c).ToArray()).ToJsonString());
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(input);
        psi.ArgumentList.Add(output);
        psi.Environment["NODE_PATH"] = modules;
        using var node = Process.Start(psi)!;
        var stderr = node.StandardError.ReadToEndAsync();
        node.StandardOutput.ReadToEnd();
        if (!node.WaitForExit(120_000)) { node.Kill(entireProcessTree: true); throw new TimeoutException("the @huggingface/jinja script did not finish in 120 s"); }
        Assert.True(node.ExitCode == 0, $"node exited with {node.ExitCode}: {stderr.Result}");
        return JsonNode.Parse(File.ReadAllText(output))!.AsArray();
    }
}
