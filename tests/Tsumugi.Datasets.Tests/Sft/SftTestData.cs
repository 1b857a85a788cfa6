using Tsumugi.Datasets.Sft;

namespace Tsumugi.Datasets.Tests.Sft;

/// <summary>Configs and small Japanese records for the SFT reader tests.</summary>
internal static class SftTestData
{
    public static SftDataConfig Config(params string[] paths) => new() { Source = "test.yaml", Paths = paths };

    public const string DollyLine1 = """{"instruction": "日本の首都はどこですか？", "input": "", "output": "日本の首都は東京です。", "category": "open_qa", "index": "0"}""";
    public const string DollyLine2 = """{"instruction": "次の文を要約してください。", "input": "猫は一日の大半を寝て過ごす。夜になると活発に動き回る。", "output": "猫は昼に寝て夜に活動する。", "category": "summarization", "index": "1"}""";

    public const string OpenAiLine = """{"messages": [{"role": "system", "content": "あなたは丁寧なアシスタントです。"}, {"role": "user", "content": [{"type": "text", "text": "富士山の"}, {"type": "text", "text": "高さは？"}]}, {"role": "assistant", "content": "3776メートルです。"}]}""";

    public static SftExample Example(params (string Role, string Content)[] messages) => new()
    {
        Messages = messages.Select(m => new SftMessage(m.Role, m.Content)).ToList(),
        Location = new SftLocation("mem.jsonl", 1, 0),
    };
}
