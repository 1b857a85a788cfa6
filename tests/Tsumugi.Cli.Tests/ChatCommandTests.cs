using System.Text.Json;
using Tsumugi.Modeling;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
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

        // The first answer, computed directly: the CLI's second prompt must carry it, in the model's own chat format.
        var format = ChatPrompt.Detect(Sub("model"));
        Assert.Contains($"Chat format: {ChatPrompt.Name(format)}", run.Err);
        string answer;
        using (var model = HfModelDirectory.Load(Sub("model")))
        {
            var generator = new TextGenerator(model, SpmTokenizer.Load(Sub("model/tokenizer.model")));
            var first = ChatPrompt.Render([new("system", system), new("user", "Hello there")], format);
            answer = generator.Generate(first, new SamplingOptions { Temperature = 0, MaxNewTokens = 6, Stop = ChatPrompt.TurnEndStops(format) }).Text;
        }
        var prompts = Prompts(run.Err);
        Assert.Equal(3, prompts.Count); // blank line, /help and /reset are no turns; nothing after /exit is read
        Assert.Equal(ChatPrompt.Render([new("system", system), new("user", "Hello there")], format), prompts[0]);
        Assert.Equal(ChatPrompt.Render([new("system", system), new("user", "Hello there"), new("assistant", answer), new("user", "What next?")], format), prompts[1]);
        Assert.Equal(prompts[0], prompts[2]); // /reset keeps only the system message
        Assert.StartsWith(answer + "\n", run.Out);
        Assert.EndsWith("\n" + answer + "\n", run.Out); // the replayed first turn answers the same (greedy)
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
