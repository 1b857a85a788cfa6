using System.Text;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Tokenization.Tests;

/// <summary>
/// The stream encoder behind `tsumugi tokenizer encode`: byte-identical to spm_encode --output_format=id across
/// block boundaries, on one or several threads, and a clear error for invalid UTF-8.
/// </summary>
public sealed class IdLineEncoderTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    static byte[] Run(SpmTokenizer tok, byte[] input, int threads)
    {
        using var output = new MemoryStream();
        IdLineEncoder.Run(tok, new MemoryStream(input), output, threads);
        return output.ToArray();
    }

    [Theory]
    [InlineData("unigram-bytes")]
    [InlineData("bpe-nfkc")]
    public void OutputIsSpmEncodeOutputOverSeveralBlocksOnAnyThreadCount(string name)
    {
        var model = fx.Model(name);
        // ~1.5 MB: several 512 KB blocks, so lines are cut across block reads; a 600 KB line is longer than a
        // block; empty lines, '\r' and a missing final newline are kept as spm_encode keeps them.
        var lines = new List<string>();
        while (lines.Sum(l => (long)l.Length) < 450_000) lines.AddRange(fx.HeldOut);
        lines.Insert(lines.Count / 2, string.Concat(Enumerable.Repeat("長い行の繰り返し。", 22_000)));
        lines.InsertRange(3, ["", "carriage\r", ""]);
        var text = string.Join("\n", lines);
        var input = System.Text.Encoding.UTF8.GetBytes(text);
        Assert.True(input.Length > 2 * (1 << 19), $"{input.Length} bytes do not span several blocks");

        var expected = System.Text.Encoding.UTF8.GetBytes(SpmTools.Run("spm_encode", $"--model={model} --output_format=id", text));
        var tok = SpmTokenizer.Load(model);
        var one = Run(tok, input, 1);
        Assert.True(expected.AsSpan().SequenceEqual(one), $"1 thread: {FirstDifference(expected, one)}");
        var two = Run(tok, input, 2);
        Assert.True(expected.AsSpan().SequenceEqual(two), $"2 threads: {FirstDifference(expected, two)}");
    }

    [Fact]
    public void InvalidUtf8NamesTheFirstBadLine()
    {
        var tok = SpmTokenizer.Load(fx.Model("unigram-bytes"));
        var input = new List<byte>();
        for (int i = 0; i < 40_000; i++) input.AddRange("正しい行です。\n"u8.ToArray()); // > 1 block before the bad line
        input.AddRange([0x61, 0xE3, 0x81, (byte)'\n', 0xFF, (byte)'\n']);
        foreach (int threads in new[] { 1, 2 })
        {
            var e = Assert.Throws<InvalidDataException>(() => Run(tok, [.. input], threads));
            Assert.Equal("stdin line 40001: invalid UTF-8; pass UTF-8 text.", e.Message);
        }
    }

    static string FirstDifference(byte[] a, byte[] b)
    {
        int i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        int line = a.AsSpan(0, Math.Min(i, a.Length)).Count((byte)'\n') + 1;
        return $"lengths {a.Length} vs {b.Length}, first difference at byte {i} (output line {line})";
    }
}
