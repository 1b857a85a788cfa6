namespace Tsumugi.Tokenization.Tests;

/// <summary>Models trained once per test run by Debian spm_train on corpus text, plus held-out lines.</summary>
public sealed class SpmModelsFixture
{
    public string Dir { get; } = SpmTools.TempDir("spm");
    public List<string> Train { get; } = [];
    public List<string> HeldOut { get; } = [];
    readonly Dictionary<string, string> _models = new();

    public static readonly string[] EdgeCases =
    [
        "  leading and   inner  spaces  ", "\ttab\tseparated\t", "吾輩は猫である。名前はまだ無い。", "ｆｕｌｌ－ｗｉｄｔｈ　１２３ ～ ｶﾀｶﾅ",
        "emoji 😀🎌 and rare 龘 𠀋", "<|im_start|>user\\nこんにちは<|im_end|>", "x", " ", "▁already▁escaped", "A<s>B</s>C<unk>",
        "def f(x):    return x ** 2  # comment", "\u00e9\u0065\u0301 combining", "日本語と English の mixed テキスト123",
    ];

    public SpmModelsFixture()
    {
        foreach (var domain in new[] { "ja", "en", "code" })
        {
            var lines = TestCorpus.Lines(domain, domain == "ja" ? 260_000 : 140_000);
            int cut = lines.Count * 3 / 4;
            Train.AddRange(lines.Take(cut));
            HeldOut.AddRange(lines.Skip(cut).Where((_, i) => i % 2 == 0));
        }
        HeldOut.AddRange(EdgeCases);
    }

    /// <summary>Trains (once) and returns the path of an spm_train model.</summary>
    public string Model(string name)
    {
        lock (_models)
        {
            if (_models.TryGetValue(name, out var path)) return path;
            const string common = "--vocab_size=2000 --character_coverage=0.9995 --user_defined_symbols=<|im_start|>,<|im_end|>";
            string opts = name switch
            {
                "unigram-bytes" => $"--model_type=unigram {common} --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false",
                "bpe-bytes" => $"--model_type=bpe {common} --byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false --split_digits=true",
                "unigram-nfkc" => $"--model_type=unigram {common}",
                "bpe-nfkc" => $"--model_type=bpe {common}",
                _ => throw new ArgumentException(name),
            };
            path = SpmTools.Train(Dir, name, Train, opts);
            _models[name] = path;
            return path;
        }
    }
}
