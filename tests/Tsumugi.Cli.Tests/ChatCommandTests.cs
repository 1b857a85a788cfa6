using System.Text.Json;
using System.Text.Json.Nodes;
using Tsumugi.Modeling;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class ChatCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-chat-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    /// <summary>The CLI with <paramref name="stdin"/> as standard input, as when a conversation is piped in.</summary>
    static (int ExitCode, string Out, string Err) RunWithInput(string stdin, params string[] args)
    {
        var old = Console.In;
        Console.SetIn(new StringReader(stdin));
        try { return CliRunner.Run(args); }
        finally { Console.SetIn(old); }
    }

    static List<string> Prompts(string stderr) => stderr.Split('\n').Where(l => l.StartsWith("[prompt] ", StringComparison.Ordinal))
        .Select(l => JsonSerializer.Deserialize<string>(l["[prompt] ".Length..])!).ToList();

    [Fact]
    public void EachTurnSeesTheConversationSoFarAndResetStartsOver()
    {
        Assert.Equal(0, CliRunner.Run("tokenizer", "train", "--input", CorpusSample.Write("en", 20_000, Sub("en.txt")), "--output", Sub("tok"),
            "--vocab-size", "400", "--threads", "2").ExitCode);
        Assert.Equal(0, CliRunner.Run("model", "init", "--preset", "tiny", "--tokenizer", Sub("tok"), "--output", Sub("model"), "--seed", "3").ExitCode);
        const string system = "Answer briefly.";
        var run = RunWithInput("Hello there\n\nWhat next?\n/help\n/reset\nHello there\n/exit\nnever read\n",
            "chat", "--model", Sub("model"), "--system", system, "--temperature", "0", "--max-tokens", "6", "--show-prompt");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Unknown command '/help'", run.Err);

        // The first answer, computed directly: the CLI's second prompt must carry it, in the model's own chat template
        // (the one `tokenizer train` wrote into tokenizer_config.json), with the stops serve uses.
        var template = ModelChatTemplate.Load(Sub("model"))!;
        Assert.Contains($"Chat template: {template.Origin}; turn-end stops of the {ChatPrompt.Name(ChatPrompt.Detect(Sub("model")))} format", run.Err);
        string Render(params ChatMessage[] messages) => template.Render(messages, addGenerationPrompt: true);
        string answer;
        using (var model = PretrainedModel.Load(Sub("model")))
            answer = model.CreateChatGenerator().Generate(Render(new("system", system), new("user", "Hello there")),
                new SamplingOptions { Temperature = 0, MaxNewTokens = 6, Stop = model.ChatStops }).Text;
        var prompts = Prompts(run.Err);
        Assert.Equal(3, prompts.Count); // blank line, /help and /reset are no turns; nothing after /exit is read
        Assert.Equal(Render(new("system", system), new("user", "Hello there")), prompts[0]);
        Assert.Equal(Render(new("system", system), new("user", "Hello there"), new("assistant", answer), new("user", "What next?")), prompts[1]);
        Assert.Equal(prompts[0], prompts[2]); // /reset keeps only the system message
        Assert.StartsWith(answer + "\n", run.Out);
        Assert.EndsWith("\n" + answer + "\n", run.Out); // the replayed first turn answers the same (greedy)
    }

    /// <summary>A tiny model directory whose tokenizer_config.json holds <paramref name="template"/> as its chat_template.</summary>
    string ModelWithTemplate(string template)
    {
        var dir = TinyModelDirectory.Write(Sub("templated"), ["▁", "東京", "は", "短く", "。", "\n"], seed: 4);
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), new JsonObject { ["chat_template"] = template }.ToJsonString());
        return dir;
    }

    [Fact]
    public void Chat_ModelWithOwnChatTemplate_RendersItUnlessChatFormatForcesABuiltIn()
    {
        var dir = ModelWithTemplate("{% for m in messages %}<<{{ m.role }}>>{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<<assistant>>{% endif %}");
        string[] args = ["chat", "--model", dir, "--system", "短く。", "--temperature", "0", "--max-tokens", "3", "--show-prompt"];
        var own = RunWithInput("東京は\n", args);
        Assert.True(own.ExitCode == 0, own.Err);
        Assert.Equal(["<<system>>短く。\n<<user>>東京は\n<<assistant>>"], Prompts(own.Err));
        Assert.Contains($"Chat template: {Path.Combine(dir, "tokenizer_config.json")} chat_template", own.Err);

        var forced = RunWithInput("東京は\n", [.. args, "--chat-format", "chatml"]);
        Assert.True(forced.ExitCode == 0, forced.Err);
        Assert.Equal(["<|im_start|>system\n短く。<|im_end|>\n<|im_start|>user\n東京は<|im_end|>\n<|im_start|>assistant\n"], Prompts(forced.Err));
        Assert.Contains("Chat template: built-in chatml template", forced.Err);
    }

    [Fact]
    public void Chat_UnsupportedChatTemplate_FailsNamingTheConstructAndTheWayOut()
    {
        var dir = ModelWithTemplate("{% for m in messages %}{{ m.content | wordwrap(5) }}{% endfor %}");
        var run = RunWithInput("東京は\n", "chat", "--model", dir, "--max-tokens", "1");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"error: {Path.Combine(dir, "tokenizer_config.json")} chat_template, line 1", run.Err);
        Assert.Contains("'wordwrap'", run.Err);
        Assert.Contains("--chat-format", run.Err);
    }

    [Fact]
    public void BadFlagsFailWithOneClearLine()
    {
        var format = RunWithInput("", "chat", "--model", Sub("absent"), "--chat-format", "vicuna");
        Assert.Equal(1, format.ExitCode);
        Assert.StartsWith("error: Unknown chat format 'vicuna'", format.Err);
        var missing = RunWithInput("", "chat", "--model", Sub("absent"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("tokenizer.model", missing.Err);
        Assert.Equal(1, RunWithInput("", "chat", "--model", Sub("absent"), "--temperature", "-1").ExitCode);
    }
}
