using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class ChatTemplateCommandTests
{
    [Fact]
    public void Render_WithMask_PrintsTheTextAndMarksTheAssistantTokens()
    {
        using var dir = new TempDirectory();
        var tok = TestTokenizers.ByteFallback();
        TokenizerDirectory.Save(tok.Model, dir.File("tok")); // the Llama-2 chat_template, as `tokenizer train` writes it
        File.WriteAllText(dir.File("m.json"), """{"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "ab"}, {"role": "assistant", "content": "a"}]}""");

        var plain = CliRunner.Run("chat-template", "render", "--tokenizer", dir.File("tok"), "--messages", dir.File("m.json"));
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal("<s>[INST] <<SYS>>\ns\n<</SYS>>\n\nab [/INST] a </s>\n", plain.Out);

        var run = CliRunner.Run("chat-template", "render", "--tokenizer", dir.File("tok"), "--messages", dir.File("m.json"), "--mask");
        Assert.Equal(0, run.ExitCode);
        var trained = run.Out.Split('\n').Where(l => l.StartsWith('+')).Select(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2])).ToList();
        Assert.Equal([.. tok.Encode(" a "), tok.EosId], trained);
        Assert.Contains($"{trained.Count} trained", run.Out);
    }

    [Fact]
    public void Render_DirectoryWithoutTemplate_FailsNamingChatFormat()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("m.json"), """[{"role": "user", "content": "ab"}]""");
        var run = CliRunner.Run("chat-template", "render", "--tokenizer", dir.Path, "--messages", dir.File("m.json"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--chat-format", run.Err);
        var chatMl = CliRunner.Run("chat-template", "render", "--tokenizer", dir.Path, "--messages", dir.File("m.json"), "--chat-format", "chatml", "--add-generation-prompt");
        Assert.Equal("<|im_start|>user\nab<|im_end|>\n<|im_start|>assistant\n\n", chatMl.Out);
    }
}
