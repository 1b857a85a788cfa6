using System.Text.Json.Nodes;
using Tsumugi.Synthesis.Config;
using Tsumugi.Synthesis.Store;

namespace Tsumugi.Synthesis.Tests.Runs;

/// <summary>
/// Writes a synth config and its input records into a temporary directory for the runner tests: one endpoint named
/// <c>local</c> at the test server, with short timeouts and backoffs so retries cost milliseconds.
/// </summary>
static class SynthSetup
{
    /// <summary>Japanese questions, distinct enough that no two are near-duplicates.</summary>
    public static IReadOnlyList<string> Questions(int count) =>
        Enumerable.Range(0, count).Select(i => $"質問{i}番：{Topics[i % Topics.Length]}について、{i * 7 % 13 + 2}つの要点を初心者向けに説明してください。").ToList();

    static readonly string[] Topics = ["パッケージ管理", "ファイルシステム", "ネットワーク設定", "ユーザー権限", "カーネル更新", "ログの読み方", "バックアップ", "日本語入力"];

    public static string WriteInputs(TempDirectory dir, IEnumerable<string> questions, string name = "seeds.jsonl")
    {
        var path = dir.File(name);
        File.WriteAllLines(path, questions.Select((q, i) => new JsonObject { ["id"] = $"q{i:D3}", ["instruction"] = q }.ToJsonString()));
        return path;
    }

    /// <param name="body">The recipe-specific YAML (recipe:, its section, gates:, …).</param>
    public static string WriteConfig(TempDirectory dir, string url, string body, string endpointExtra = "")
    {
        var path = dir.File("synth.yaml");
        File.WriteAllText(path, $$"""
            seed: 7
            endpoints:
              - name: local
                url: {{url}}
                model: {{FaultyChatServer.ModelName}}
                concurrency: 4
                timeout_s: 2
                retries: 20
                backoff_s: 0.01
                backoff_max_s: 0.05
            {{endpointExtra}}
            sampling: { temperature: 0.7, max_tokens: 64 }
            output: { shard_records: 5 }
            {{body}}
            """);
        return path;
    }

    public static SynthConfig Load(string path) => SynthConfig.Load(path, _ => null);

    /// <summary>Every accepted record's JSON, in order, over all sealed shards.</summary>
    public static List<string> Records(string output) => RecordStore.ReadShards(Path.Combine(output, "records")).Select(r => r.ToJsonString()).ToList();

    public static List<JsonObject> Rejected(string output) => RecordStore.ReadShards(Path.Combine(output, "rejected")).ToList();

    /// <summary>The test server's answers: judge prompts get a rating derived from the answer, everything else an echo.</summary>
    public static string Answer(IReadOnlyList<(string Role, string Content)> messages)
    {
        var last = messages.Last(m => m.Role == "user").Content;
        if (last.Contains("[[5]]", StringComparison.Ordinal))
            return $"妥当な回答です。評価：[[{Score(last)}]]";
        return "回答：" + new string(last.Reverse().ToArray());
    }

    /// <summary>A rating 1–10 that depends on the judged text only (stable across processes, unlike string.GetHashCode).</summary>
    static int Score(string text) => (int)(System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(text)) % 10) + 1;
}
