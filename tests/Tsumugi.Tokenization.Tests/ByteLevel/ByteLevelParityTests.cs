using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Tokenization.Tests.ByteLevel;

/// <summary>Byte-level BPE encode/decode against npm @huggingface/tokenizers on tokenizers Tsumugi trained and wrote.</summary>
public sealed class ByteLevelParityTests(ByteLevelFixture fx) : IClassFixture<ByteLevelFixture>
{
    /// <summary>Text that stresses the pre-tokenizer and the byte mapping: astral letters and digits, joiners, odd spaces.</summary>
    public static readonly string[] Tricky =
    [
        "emoji 👨‍👩‍👧‍👦 family 🇯🇵 flag 😀😀!", "𠮷野家で𠮷を食べた。𩸽と𠀋", "e\u0301 combining a\u0308\u0301 ｶﾞ", "zero\u200Bwidth\u200Djoiner\u200C",
        "\uFFFD replacement \uFFFD\uFFFD x\uFFFD", "line1\r\nline2\r\n\r\n  \n\tend\n", "1234567890123 and 3.14159 ٣٤٥٦ ①②③ Ⅻ", "many     spaces\t\t tabs   ",
        "It's I'M we'LL they'Re 'S 've 'd ſ's", "<|im_start|>user\nこんにちは<|im_end|>\n<|im_start|>assistant\n", "ａｂｃ全角カタカナ ｶﾀｶﾅ　全角空白",
        "\u00A0nbsp\u3000ideographic", "\uFEFFbom and \u0085nel", "𝟏𝟐𝟑𝟒𝟓 math digits 𝐀𝐁𝐂", "  leading", "trailing  ", "x", " ", "\n\n\n",
        "ǅungla Ǆ", "def f(x):\n    return x**2  # 二乗\n", "<|endoftext|><|endoftext|>text<|im_end|>", "'", "''s", "a\r\r\n\n b",
        "https://example.com/path?q=1&r=２", "価格は1,234,567円（税込）です。", "Ｈｅｌｌｏ　Ｗｏｒｌｄ！１２３", "\u2028sep\u2029para", "🏳️‍🌈 🧑🏽‍💻",
    ];

    [Theory]
    [InlineData(ByteLevelFlavor.Gpt2)]
    [InlineData(ByteLevelFlavor.Llama3)]
    [InlineData(ByteLevelFlavor.Qwen2)]
    public void EncodeAndDecodeMatchHfJavaScript(ByteLevelFlavor flavor)
    {
        var dir = fx.TokenizerDir(flavor);
        var tok = Assert.IsType<ByteLevelBpeTokenizer>(TokenizerDirectory.Load(dir));
        Assert.Equal(flavor == ByteLevelFlavor.Llama3, tok.Model.IgnoreMerges);
        var lines = ByteLevelFixture.HeldOut(400).Concat(Tricky).ToList();
        var rng = new Random(7);
        // Random id runs: specials included, single-byte tokens split characters, tokens glued mid-character.
        var randomIds = Enumerable.Range(0, 300).Select(_ => Enumerable.Range(0, rng.Next(1, 24)).Select(_ => rng.Next(tok.VocabSize)).ToArray()).ToList();
        var ours = lines.Select(tok.Encode).ToList();
        var (jsIds, jsTexts) = HfJs.Run(dir, lines, [.. ours.Where(i => i.Length > 0), .. randomIds]);
        for (int i = 0; i < lines.Count; i++)
            Assert.True(jsIds[i].SequenceEqual(ours[i]), $"{flavor} line {i} '{lines[i]}': ours [{string.Join(' ', ours[i])}] vs JS [{string.Join(' ', jsIds[i])}]");
        var decodeInputs = ours.Where(i => i.Length > 0).Concat(randomIds).ToList();
        for (int i = 0; i < decodeInputs.Count; i++)
            Assert.True(jsTexts[i] == tok.Decode(decodeInputs[i]), $"{flavor} decode [{string.Join(' ', decodeInputs[i])}]: ours '{tok.Decode(decodeInputs[i])}' vs JS '{jsTexts[i]}'");
        // Round trip on text without specials: decode(encode(x)) == x (after NFC for Qwen2).
        var plain = lines.Where(l => !ByteLevelFixture.Specials.Any(l.Contains)).ToList();
        foreach (var l in plain)
            Assert.Equal(flavor == ByteLevelFlavor.Qwen2 ? l.Normalize(System.Text.NormalizationForm.FormC) : l, tok.Decode(tok.Encode(l)));
        Assert.Contains(randomIds, ids => tok.Decode(ids).Contains('\uFFFD'));
    }

    [Theory]
    [InlineData(ByteLevelFlavor.Llama3)]
    [InlineData(ByteLevelFlavor.Gpt2)]
    public void IncrementalDecoderDeltasConcatenateToDecode(ByteLevelFlavor flavor)
    {
        var tok = TokenizerDirectory.Load(fx.TokenizerDir(flavor));
        var rng = new Random(11);
        var sequences = Tricky.Select(tok.Encode).Concat(ByteLevelFixture.HeldOut(50).Select(tok.Encode))
            .Concat(Enumerable.Range(0, 200).Select(_ => Enumerable.Range(0, rng.Next(1, 30)).Select(_ => rng.Next(tok.VocabSize)).ToArray()));
        int heldBack = 0;
        foreach (var ids in sequences)
        {
            var dec = tok.CreateIncrementalDecoder();
            var sb = new System.Text.StringBuilder();
            foreach (int id in ids)
            {
                var delta = dec.Add(id);
                Assert.False(delta.Length > 0 && char.IsHighSurrogate(delta[^1]), "a delta ends in half a surrogate pair");
                sb.Append(delta);
            }
            var tail = dec.Finish();
            if (tail.Length > 0) heldBack++;
            Assert.Equal(tok.Decode(ids), sb.Append(tail).ToString());
        }
        Assert.True(heldBack > 0, "no sequence ended mid-character; the hold-back path was not exercised");
    }

    [Fact]
    public void EncodesRawUtf8LikeText()
    {
        var tok = TokenizerDirectory.Load(fx.TokenizerDir(ByteLevelFlavor.Llama3));
        var lines = ByteLevelFixture.HeldOut(100).Concat(Tricky).ToList();
        var fromBytes = tok.EncodeBatch(lines.Select(System.Text.Encoding.UTF8.GetBytes).ToList(), 2);
        var fromText = tok.EncodeBatch(lines, 2);
        Assert.Equal(fromText, fromBytes);
        var into = new List<int>();
        tok.EncodeInto("日本語"u8, into);
        Assert.Equal(tok.Encode("日本語"), into);
        // Malformed UTF-8 reaches the tokenizer as U+FFFD (what a JavaScript string of the bytes would hold).
        Assert.Equal(tok.Encode("a\uFFFDb"), tok.Encode([(byte)'a', 0xE3, 0x81, (byte)'b']));
    }

    [Fact]
    public void SpecialTokensAndByteFallbackFlags()
    {
        var tok = TokenizerDirectory.Load(fx.TokenizerDir(ByteLevelFlavor.Llama3));
        Assert.Equal("byte-level-bpe", tok.Kind);
        Assert.Equal(ByteLevelFixture.Specials.OrderByDescending(s => s.Length).ThenBy(tok.PieceToId), tok.SpecialTokens.Select(s => s.Text));
        Assert.Equal(tok.PieceToId("<|endoftext|>"), tok.EosId);
        Assert.Equal(-1, tok.BosId);
        Assert.Equal(-1, tok.UnkId);
        int e3 = tok.PieceToId(ByteLevelAlphabet.ByteToChar[0xE3].ToString());
        int a = tok.PieceToId("a");
        Assert.True(tok.IsByteFallback(e3));
        Assert.False(tok.IsByteFallback(a));
        Assert.False(tok.IsByteFallback(tok.EosId));
        Assert.Equal("", tok.Decode([tok.EosId]));
    }
}
