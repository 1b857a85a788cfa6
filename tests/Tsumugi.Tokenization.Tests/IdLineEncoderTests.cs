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

    [Fact]
    public void TheMethodsCompiledAheadExistAndAreTheJitCompiledOnes()
    {
        // PrepareInBackground finds them by name: a renamed one, or one no longer AggressiveOptimization (then ReadyToRun
        // precompiles it and compiling it ahead is wasted), shows here.
        var methods = IdLineEncoder.HotMethods();
        Assert.Equal(5, methods.Length);
        Assert.All(methods, m => Assert.True(m.MethodImplementationFlags.HasFlag(System.Reflection.MethodImplAttributes.AggressiveOptimization), m.Name));
    }

    [Theory]
    [InlineData("unigram-bytes")]
    [InlineData("bpe-nfkc")]
    public void OutputIsSpmEncodeOutputOverSeveralBlocksOnAnyThreadCount(string name)
    {
        var model = fx.Model(name);
        // ~1.5 MB: several blocks (128 KB by default), so lines are cut across block reads; a 600 KB line is longer than a
        // block; empty lines, '\r' and a missing final newline are kept as spm_encode keeps them.
        var lines = new List<string>();
        while (lines.Sum(l => (long)l.Length) < 450_000) lines.AddRange(fx.HeldOut);
        lines.Insert(lines.Count / 2, string.Concat(Enumerable.Repeat("長い行の繰り返し。", 22_000)));
        lines.InsertRange(3, ["", "carriage\r", ""]);
        var text = string.Join("\n", lines);
        var input = System.Text.Encoding.UTF8.GetBytes(text);
        Assert.True(input.Length > 4 * IdLineEncoder.DefaultBlockBytes, $"{input.Length} bytes do not span several blocks");

        var expected = System.Text.Encoding.UTF8.GetBytes(SpmTools.Run("spm_encode", $"--model={model} --output_format=id", text));
        var tok = SpmTokenizer.Load(model);
        var one = Run(tok, input, 1);
        Assert.True(expected.AsSpan().SequenceEqual(one), $"1 thread: {FirstDifference(expected, one)}");
        var two = Run(tok, input, 2);
        Assert.True(expected.AsSpan().SequenceEqual(two), $"2 threads: {FirstDifference(expected, two)}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ManySmallBlocksInFlightComeOutInInputOrder(int threads)
    {
        // 2 KB blocks over ~400 KB: the pipeline's ring (3 blocks per worker) is reused ~60 times, blocks finish out
        // of order, and a 5 KB line is longer than a block. The one-thread run at the default block size is the reference.
        var tok = SpmTokenizer.Load(fx.Model("unigram-bytes"));
        var lines = new List<string>();
        while (lines.Sum(l => (long)l.Length) < 150_000) lines.AddRange(fx.HeldOut);
        lines.Insert(lines.Count / 3, string.Concat(Enumerable.Repeat("長い行。", 450)));
        var input = System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
        var expected = Run(tok, input, 1);
        using var output = new MemoryStream();
        var stats = IdLineEncoder.Run(tok, new MemoryStream(input), output, threads, blockBytes: 2048);
        Assert.True(expected.AsSpan().SequenceEqual(output.ToArray()), $"{threads} threads, 2 KB blocks: {FirstDifference(expected, output.ToArray())}");
        Assert.Equal(lines.Count, stats.Lines);
        Assert.Equal(input.Length, stats.Bytes);
    }

    [Fact]
    public void InvalidUtf8NamesTheFirstBadLineAfterWritingTheLinesBeforeIt()
    {
        var tok = SpmTokenizer.Load(fx.Model("unigram-bytes"));
        var input = new List<byte>();
        for (int i = 0; i < 40_000; i++) input.AddRange("正しい行です。\n"u8.ToArray()); // > 1 block before the bad line
        input.AddRange([0x61, 0xE3, 0x81, (byte)'\n', 0xFF, (byte)'\n']);
        var good = Run(tok, [.. input.Take(input.Count - 6)], 1);
        foreach (int threads in new[] { 1, 2 })
        {
            using var output = new MemoryStream();
            var e = Assert.Throws<InvalidDataException>(() => IdLineEncoder.Run(tok, new MemoryStream([.. input]), output, threads));
            Assert.Equal("stdin line 40001: invalid UTF-8; pass UTF-8 text.", e.Message);
            Assert.True(good.AsSpan().SequenceEqual(output.ToArray()), $"{threads} threads: the output before the error is not the first 40,000 lines' ids");
        }
    }

    [Fact]
    public void AWorkersErrorStopsTheRunWithThatError()
    {
        // The tokenizer fails on one line deep in the input: the error must reach the caller (not hang the writer
        // waiting for that block, nor be dropped).
        var tok = new FailingOn("壊れる", SpmTokenizer.Load(fx.Model("unigram-bytes")));
        var input = new List<byte>();
        for (int i = 0; i < 20_000; i++) input.AddRange("正しい行です。\n"u8.ToArray());
        input.AddRange("壊れる\n"u8.ToArray());
        for (int i = 0; i < 20_000; i++) input.AddRange("正しい行です。\n"u8.ToArray());
        foreach (int threads in new[] { 1, 2 })
        {
            var e = Assert.Throws<InvalidOperationException>(() => IdLineEncoder.Run(tok, new MemoryStream([.. input]), Stream.Null, threads, blockBytes: 4096));
            Assert.Equal("cannot encode 壊れる", e.Message);
        }
    }

    /// <summary>A tokenizer that throws on lines containing <paramref name="poison"/>, and otherwise is <paramref name="inner"/>.</summary>
    sealed class FailingOn(string poison, SpmTokenizer inner) : ITokenizer
    {
        readonly byte[] _poison = System.Text.Encoding.UTF8.GetBytes(poison);
        public string Kind => inner.Kind;
        public int VocabSize => inner.VocabSize;
        public int BosId => inner.BosId;
        public int EosId => inner.EosId;
        public int UnkId => inner.UnkId;
        public int[] Encode(string text) => inner.Encode(text);
        public int[] Encode(ReadOnlySpan<byte> utf8) => inner.Encode(utf8);
        public void EncodeInto(ReadOnlySpan<byte> utf8, List<int> ids)
        {
            if (utf8.IndexOf(_poison) >= 0) throw new InvalidOperationException($"cannot encode {poison}");
            inner.EncodeInto(utf8, ids);
        }
        public int[][] EncodeBatch(IReadOnlyList<string> texts, int maxThreads = -1) => inner.EncodeBatch(texts, maxThreads);
        public int[][] EncodeBatch(IReadOnlyList<byte[]> utf8Lines, int maxThreads = -1) => inner.EncodeBatch(utf8Lines, maxThreads);
        public string Decode(IReadOnlyList<int> ids) => inner.Decode(ids);
        public string IdToPiece(int id) => inner.IdToPiece(id);
        public int PieceToId(string piece) => inner.PieceToId(piece);
        public bool IsByteFallback(int id) => inner.IsByteFallback(id);
        public IReadOnlyList<(string Text, int Id)> SpecialTokens => inner.SpecialTokens;
        public IIncrementalDecoder CreateIncrementalDecoder() => inner.CreateIncrementalDecoder();
    }

    static string FirstDifference(byte[] a, byte[] b)
    {
        int i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        int line = a.AsSpan(0, Math.Min(i, a.Length)).Count((byte)'\n') + 1;
        return $"lengths {a.Length} vs {b.Length}, first difference at byte {i} (output line {line})";
    }
}
