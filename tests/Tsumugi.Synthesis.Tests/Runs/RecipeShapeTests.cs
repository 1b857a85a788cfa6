using System.Text.Json.Nodes;
using static Tsumugi.Synthesis.Tests.Runs.SynthSetup;

namespace Tsumugi.Synthesis.Tests.Runs;

/// <summary>Each recipe's records against a deterministic endpoint: their shape, their provenance, and what was asked.</summary>
public sealed class RecipeShapeTests
{
    static async Task<(List<JsonNode> Records, FaultyChatServer Server)> Run(string body, int inputs = 4)
    {
        var dir = new TempDirectory();
        WriteInputs(dir, Questions(inputs));
        var server = await FaultyChatServer.StartAsync(Answer);
        await new SynthRunner(Load(WriteConfig(dir, server.BaseUrl, body)), dir.File("out")).RunAsync(null, default);
        return (Records(dir.File("out")).Select(r => JsonNode.Parse(r)!).ToList(), server);
    }

    static List<string> Roles(JsonNode record) => record["messages"]!.AsArray().Select(m => (string)m!["role"]!).ToList();
    static string Content(JsonNode record, int i) => (string)record["messages"]![i]!["content"]!;

    [Fact]
    public async Task SelfInstructAnswersTheInstructionItInventedFromThreeSeeds()
    {
        var (records, server) = await Run("""
            recipe: self_instruct
            input: { paths: [seeds.jsonl], id_field: id }
            self_instruct: { count: 3, examples: 3 }
            gates: [ { length: { min_chars: 1, max_chars: 100000 } } ]
            """, inputs: 12);
        await using var _ = server;
        Assert.Equal(3, records.Count);
        foreach (var r in records)
        {
            Assert.Equal(["user", "assistant"], Roles(r));
            Assert.Equal(3, r["meta"]!["examples"]!.AsArray().Count);
            var asked = server.Requests.Select(b => (string)b["messages"]!.AsArray().Last()!["content"]!).First(c => c.Contains("以下はAIアシスタントへの指示の例です", StringComparison.Ordinal)
                && Answer([("user", c)]) == Content(r, 0));
            Assert.Contains("1. 質問", asked, StringComparison.Ordinal); // the numbered seed list
            Assert.Equal(Answer([("user", Content(r, 0))]), Content(r, 1));
        }
    }

    [Fact]
    public async Task EvolRewritesInTurnAndRecordsTheOperations()
    {
        var (records, server) = await Run("""
            recipe: evol
            input: { paths: [seeds.jsonl], id_field: id }
            evol: { rounds: 2 }
            """, inputs: 3);
        await using var _ = server;
        Assert.Equal([["add_constraints", "deepen"], ["deepen", "concretize"], ["concretize", "reasoning"]],
            records.Select(r => r["meta"]!["operations"]!.AsArray().Select(o => (string)o!).ToArray()));
        Assert.All(records, r => Assert.Equal(["user", "assistant"], Roles(r)));
        Assert.Equal(3 * 3, server.Posts); // two rewrites and an answer each
    }

    [Fact]
    public async Task PersonaMultiTurnAndTranslateMakeTheirConversations()
    {
        var (personas, s1) = await Run("""
            recipe: persona
            persona: { personas: [新入社員, 研究者], per_persona: 1 }
            """, inputs: 0);
        await using var _1 = s1;
        Assert.Equal(["新入社員", "研究者"], personas.Select(r => (string)r["meta"]!["persona"]!));
        Assert.Equal(["persona:0", "persona:1"], personas.Select(r => (string)r["meta"]!["key"]!));

        var (dialogues, s2) = await Run("""
            recipe: multi_turn
            input: { paths: [seeds.jsonl], id_field: id }
            multi_turn: { turns: 3, system: 短く答えてください。 }
            """, inputs: 2);
        await using var _2 = s2;
        Assert.All(dialogues, r => Assert.Equal(["system", "user", "assistant", "user", "assistant", "user", "assistant"], Roles(r)));
        Assert.Contains(s2.Requests, b => ((string)b["messages"]![0]!["content"]!).Contains("アシスタント: ", StringComparison.Ordinal)); // the user model saw the transcript

        var (translated, s3) = await Run("""
            recipe: translate
            input: { paths: [seeds.jsonl], id_field: id }
            translate: { assistant: "{id}" }
            """, inputs: 2);
        await using var _3 = s3;
        Assert.All(translated, r => Assert.Equal(["user", "assistant"], Roles(r)));
        Assert.Equal("q000", (string)translated[0]["meta"]!["source"]!["assistant"]!);
        Assert.All(s3.Requests, b => Assert.Equal(0, (double)b["temperature"]!)); // translation is greedy
    }
}
