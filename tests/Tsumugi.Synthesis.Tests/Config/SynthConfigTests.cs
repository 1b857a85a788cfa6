using Tsumugi.Common.Config;
using Tsumugi.Synthesis.Tests.Runs;

namespace Tsumugi.Synthesis.Tests.Config;

/// <summary>Config mistakes are errors naming file, line and key — when the config is read, before any request.</summary>
public sealed class SynthConfigTests
{
    static Exception Error(string body, params string[] questions)
    {
        var dir = new TempDirectory();
        SynthSetup.WriteInputs(dir, questions.Length > 0 ? questions : SynthSetup.Questions(3));
        return Assert.ThrowsAny<Exception>(() => SynthSetup.Load(SynthSetup.WriteConfig(dir, "http://127.0.0.1:9/v1", body)));
    }

    [Fact]
    public void AnUnknownTemplateFieldNamesTheLineAndTheFieldsThereAre()
    {
        var e = Error("""
            recipe: regenerate
            input: { paths: [seeds.jsonl] }
            regenerate:
              prompt: "{instrucion} を説明して"
            """);
        Assert.IsType<ConfigException>(e);
        Assert.Matches(@"synth\.yaml:\d+: regenerate\.prompt: \{instrucion\} is not a field", e.Message);
        Assert.Contains("seeds.jsonl (id, instruction)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("recipe: regenerat\ninput: { paths: [seeds.jsonl] }", "'regenerat' is not one of")]
    [InlineData("input: { paths: [seeds.jsonl] }", "recipe: required")]
    [InlineData("recipe: regenerate\ninput: { paths: [seeds.jsonl] }\nevol: { rounds: 2 }", "a section for recipe 'evol'")]
    [InlineData("recipe: regenerate\ninput: { paths: [seeds.jsonl] }\ngates: [ normalize ]", "'normalize' rewrites or labels text")]
    [InlineData("recipe: regenerate\ninput: { paths: [seeds.jsonl] }\ngates: [ lenght ]", "unknown step 'lenght'")]
    [InlineData("recipe: regenerate\ninput: { paths: [seeds.jsonl] }\nregenerate: { promt: x }", "unknown key 'regenerate.promt'")]
    [InlineData("recipe: pairs\ninput: { paths: [seeds.jsonl] }\npairs: { prompt_messages: messages }", "has no 'messages' list")]
    [InlineData("recipe: self_instruct\ninput: { paths: [seeds.jsonl] }\nself_instruct: { generate: \"例 {example}\" }", "{example} is not a field")]
    [InlineData("recipe: regenerate\ninput: { paths: [missing.jsonl] }", "missing.jsonl not found")]
    public void BadConfigsAreRefusedBeforeAnyRequest(string body, string message) =>
        Assert.Contains(message, Error(body).Message, StringComparison.Ordinal);
}
