using System.Text.Json;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Tokenization.Tests;

/// <summary>Our tokenizer.json in Hugging Face's JavaScript tokenizer (npm @huggingface/tokenizers) vs spm_encode.</summary>
public sealed class HfJsParityTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    static string NpmModule
    {
        get
        {
            var m = Path.Combine(RepoPaths.Root, ".build", "npm", "node_modules", "@huggingface", "tokenizers", "dist", "tokenizers.mjs");
            if (!File.Exists(m)) throw new InvalidOperationException($"{m} is missing; run scripts/install-test-deps.sh");
            return m;
        }
    }

    static List<int[]> EncodeWithHfJs(string dir, IReadOnlyList<string> lines)
    {
        var script = Path.Combine(dir, "hf-encode.mjs");
        File.WriteAllText(script, $$"""
            import { Tokenizer } from {{JsonSerializer.Serialize(new Uri(NpmModule).AbsoluteUri)}};
            import fs from "fs";
            const [dir, input, output] = process.argv.slice(2);
            const tok = new Tokenizer(JSON.parse(fs.readFileSync(dir + "/tokenizer.json", "utf8")), JSON.parse(fs.readFileSync(dir + "/tokenizer_config.json", "utf8")));
            const lines = JSON.parse(fs.readFileSync(input, "utf8"));
            fs.writeFileSync(output, JSON.stringify(lines.map(l => tok.encode(l, { add_special_tokens: false }).ids)));
            """);
        var input = Path.Combine(dir, "hf-in.json");
        var output = Path.Combine(dir, "hf-out.json");
        File.WriteAllText(input, JsonSerializer.Serialize(lines));
        SpmTools.Run("node", $"{script} {dir} {input} {output}");
        return JsonSerializer.Deserialize<List<int[]>>(File.ReadAllText(output))!;
    }

    [Theory]
    [InlineData("unigram-bytes")]
    [InlineData("bpe-bytes")]
    public void TokenizerJsonGivesSpmIdsInHfJavaScript(string name)
    {
        var modelPath = fx.Model(name);
        var model = SpmModel.Load(modelPath);
        var dir = Path.Combine(fx.Dir, "hf-" + name);
        TokenizerDirectory.Save(model, dir);
        // Literal control-token text ("<s>") is matched as a special token by HF but not by spm, and HF splits
        // BPE user-defined symbols out before the dummy prefix; those lines are documented differences.
        var lines = fx.HeldOut.Where(l => !l.Contains("<s>") && !l.Contains("</s>") && !l.Contains("<unk>") && !l.Contains("<|im_")).ToList();
        var expected = SpmTools.EncodeIds(modelPath, lines);
        int byteLines = 0;
        if (model.TrainerSpec.ModelType == SpmModelType.Unigram)
        {
            // tokenizers.js (npm @huggingface/tokenizers 0.2.0, the latest; transformers.js has the same Unigram class)
            // reads byte_fallback for BPE only: its Unigram lattice puts <unk> on an unknown character and fuses
            // adjacent <unk>s (fuse_unk). So where spm emits the byte pieces of a run of unknown characters, HF JS
            // emits one <unk>; everything else must be identical. The Rust library and Python transformers do
            // implement Unigram byte fallback.
            byteLines = expected.Count(ids => ids.Any(id => model.Pieces[id].Type == PieceType.Byte));
            expected = expected.Select(ids => BytesRunsToUnk(model, ids)).ToList();
        }
        var actual = EncodeWithHfJs(dir, lines);
        int mismatches = 0; string? first = null;
        for (int i = 0; i < lines.Count; i++)
        {
            if (expected[i].SequenceEqual(actual[i])) continue;
            mismatches++;
            first ??= $"'{lines[i]}': spm [{string.Join(' ', expected[i])}] vs HF JS [{string.Join(' ', actual[i])}]";
        }
        Assert.True(mismatches == 0, $"{mismatches}/{lines.Count} lines differ; first: {first}");
        Assert.True(lines.Count > 500);
        if (model.TrainerSpec.ModelType == SpmModelType.Unigram) Assert.True(byteLines >= 5, $"only {byteLines} lines exercise byte fallback");
    }

    /// <summary>spm ids with every maximal run of byte pieces replaced by one unk id (what HF JS's Unigram does).</summary>
    static int[] BytesRunsToUnk(SpmModel model, int[] ids)
    {
        int unk = model.Pieces.FindIndex(p => p.Type == PieceType.Unknown);
        var result = new List<int>(ids.Length);
        foreach (int id in ids)
        {
            bool isByte = model.Pieces[id].Type == PieceType.Byte;
            if (!isByte) result.Add(id);
            else if (result.Count == 0 || result[^1] != unk) result.Add(unk);
        }
        return [.. result];
    }

    [Fact]
    public void UnigramUserDefinedSymbolsMatchSpmInHfJavaScript()
    {
        var modelPath = fx.Model("unigram-bytes");
        var dir = Path.Combine(fx.Dir, "hf-ud");
        TokenizerDirectory.Save(SpmModel.Load(modelPath), dir);
        string[] lines = ["<|im_start|>user\nこんにちは<|im_end|>", "a<|im_end|>b", "<|im_start|><|im_end|>"];
        Assert.Equal(SpmTools.EncodeIds(modelPath, lines.Select(l => l.Replace("\n", " ")).ToList()),
            EncodeWithHfJs(dir, lines.Select(l => l.Replace("\n", " ")).ToList()));
    }

    [Fact]
    public void ConfigFilesCarryChatTemplateAndSpecialTokens()
    {
        var dir = Path.Combine(fx.Dir, "hf-cfg");
        TokenizerDirectory.Save(SpmModel.Load(fx.Model("unigram-bytes")), dir);
        using var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")));
        Assert.Contains("<|im_start|>", cfg.RootElement.GetProperty("chat_template").GetString());
        Assert.Equal("<|im_end|>", cfg.RootElement.GetProperty("eos_token").GetString());
        using var map = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "special_tokens_map.json")));
        Assert.Equal("<s>", map.RootElement.GetProperty("bos_token").GetString());
        Assert.Contains("<|im_end|>", map.RootElement.GetProperty("additional_special_tokens").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(SpmTools.EncodeIds(fx.Model("unigram-bytes"), ["テスト"]), [TokenizerDirectory.Load(dir).Encode("テスト")]);
    }

    [Fact]
    public void WithoutChatMlTokensTheConfigCarriesHfsLlama2Template()
    {
        // A vocabulary without <|im_start|>/<|im_end|> gets meta-llama/Llama-2-7b-chat-hf's template: one bos_token per
        // user turn, the system message inside the first [INST], stripped contents, eos_token after each assistant
        // turn, and an exception when roles do not alternate.
        var model = UnigramTrainer.Train(TestCorpus.Lines("en", 20_000), new TrainerOptions { VocabSize = 600, Threads = 2 });
        Assert.DoesNotContain(model.Pieces, p => p.Piece is "<|im_start|>" or "<|im_end|>");
        var cfg = HfTokenizerConfig.Build(model);
        var template = cfg["chat_template"]!.GetValue<string>();
        Assert.Equal(HfTokenizerConfig.LlamaTemplate, template);
        Assert.Equal("</s>", cfg["eos_token"]!.GetValue<string>());
        Assert.Contains("{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}", template);
        Assert.Contains("'<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content']", template);
        Assert.Contains("{{ ' '  + content.strip() + ' ' + eos_token }}", template);
        Assert.Contains("raise_exception('Conversation roles must alternate user/assistant/user/assistant/...')", template);
        Assert.DoesNotContain("{{ bos_token }}", template); // not once per conversation
    }
}
