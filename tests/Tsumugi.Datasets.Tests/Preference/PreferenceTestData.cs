using Parquet.Schema;
using Parquet.Serialization;
using Tsumugi.Datasets.Preference;

namespace Tsumugi.Datasets.Tests.Preference;

/// <summary>Configs, small Japanese preference records in TRL's shapes, and a Parquet writer for the reader tests.</summary>
internal static class PreferenceTestData
{
    public static PreferenceDataConfig Config(params string[] paths) => new() { Source = "dpo.yaml", Paths = paths };

    /// <summary>Standard (text) format with an explicit prompt.</summary>
    public const string TextPair = """{"prompt": "日本の首都は？", "chosen": "東京です。", "rejected": "大阪です。"}""";

    /// <summary>Conversational format with an explicit prompt.</summary>
    public const string ConversationPair = """{"prompt": [{"role": "user", "content": "富士山の高さは？"}], "chosen": [{"role": "assistant", "content": "3776メートルです。"}], "rejected": [{"role": "assistant", "content": "1000メートルです。"}]}""";

    /// <summary>Conversational format with an implicit prompt: two turns shared, the last answer differs.</summary>
    public const string ImplicitConversationPair = """{"chosen": [{"role": "system", "content": "丁寧に"}, {"role": "user", "content": "こんにちは"}, {"role": "assistant", "content": "こんにちは！ご用件は？"}], "rejected": [{"role": "system", "content": "丁寧に"}, {"role": "user", "content": "こんにちは"}, {"role": "assistant", "content": "何？"}]}""";

    /// <summary>Unpaired (KTO) records: one desirable text example, one undesirable conversational one.</summary>
    public const string UnpairedText = """{"prompt": "1+1は？", "completion": "2です。", "label": true}""";

    public const string UnpairedConversation = """{"prompt": [{"role": "user", "content": "1+1は？"}], "completion": [{"role": "assistant", "content": "3です。"}], "label": false}""";

    /// <summary>A Parquet file of text pairs with an <c>id</c> column, as HF preference data sets ship.</summary>
    public static string TextPairsParquet(string path, params (string Prompt, string Chosen, string Rejected)[] pairs)
    {
        var schema = new ParquetSchema(new DataField<string>("id"), new DataField<string>("prompt"), new DataField<string>("chosen"), new DataField<string>("rejected"));
        var rows = pairs.Select((p, i) => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["id"] = $"p{i}",
            ["prompt"] = p.Prompt,
            ["chosen"] = p.Chosen,
            ["rejected"] = p.Rejected,
        }).ToList();
        using var file = File.Create(path);
        ParquetSerializer.SerializeUntypedAsync(rows, schema, file).GetAwaiter().GetResult();
        return path;
    }
}
