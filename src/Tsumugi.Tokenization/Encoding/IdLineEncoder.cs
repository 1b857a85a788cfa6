using System.Buffers.Text;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// `spm_encode --output_format=id` as a stream transform: '\n'-separated UTF-8 lines in, one line of space-separated
/// ids per input line out, in input order. The input is cut into blocks at line ends and each block is encoded
/// straight into its own byte buffer: nothing is allocated per line (lines are spans of the block, ids are formatted
/// as UTF-8 digits). One thread reads, encodes and writes in turn; with more, see <see cref="EncodePipeline"/>.
/// </summary>
public static class IdLineEncoder
{
    /// <summary>
    /// Input bytes per block. Small enough that the blocks in flight (a few per worker) stay ~2 MB, large enough
    /// that a block's hand-offs (two lock round trips) are noise next to its ~5 ms of encoding.
    /// </summary>
    internal const int DefaultBlockBytes = 1 << 17;

    /// <summary>What one run did, for `--stats`.</summary>
    public readonly record struct Stats(long Lines, long Bytes, int Threads);

    /// <summary>
    /// Encodes <paramref name="input"/> to <paramref name="output"/> on <paramref name="threads"/> threads
    /// (≤ 0 = all cores). A line that is not valid UTF-8 stops the run with an error naming the line (1-based).
    /// </summary>
    public static Stats Run(ITokenizer tokenizer, Stream input, Stream output, int threads) =>
        Run(tokenizer, input, output, threads, DefaultBlockBytes);

    /// <summary>
    /// Starts compiling the encoding loop's hot methods on a background thread. They are AggressiveOptimization (fully
    /// optimized at the first call, so not precompiled by ReadyToRun): ~15 ms of JIT at the start of a run, which two
    /// encoding threads both wait for. A caller about to load a tokenizer calls this first, so the JIT runs on another
    /// core during the load. Covers SentencePiece Unigram (the identity-normalizer path included); anything else
    /// compiles at its first call as before.
    /// </summary>
    public static void PrepareInBackground() =>
        new Thread(() => { foreach (var m in HotMethods()) RuntimeHelpers.PrepareMethod(m.MethodHandle); })
        { IsBackground = true, Name = "encode JIT" }.Start();

    /// <summary>The methods <see cref="PrepareInBackground"/> compiles, outermost first (the order the encoder calls them).</summary>
    internal static MethodInfo[] HotMethods()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        return
        [
            typeof(LineBlock).GetMethod(nameof(LineBlock.Encode), all)!,
            typeof(SpmNormalizer).GetMethod("WriteIdentity", all)!,
            typeof(SpmTokenizer).GetMethod("Segment", all)!,
            typeof(UnigramViterbi).GetMethod(nameof(UnigramViterbi.Encode), all)!,
            typeof(LineBlock).GetMethod("Write", all)!,
        ];
    }

    internal static Stats Run(ITokenizer tokenizer, Stream input, Stream output, int threads, int blockBytes)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        var reader = new LineBlockReader(input, blockBytes);
        var stats = threads == 1 ? RunSequential(tokenizer, reader, output) : EncodePipeline.Run(tokenizer, reader, output, threads, blockBytes);
        output.Flush();
        return stats with { Threads = threads };
    }

    static Stats RunSequential(ITokenizer tokenizer, LineBlockReader reader, Stream output)
    {
        var block = new LineBlock(reader.BlockBytes);
        long lines = 0, bytes = 0;
        while (reader.Next(block, lines))
        {
            lines += block.Lines; bytes += block.InputLength;
            block.Encode(tokenizer);
            block.WriteTo(output);
        }
        return new Stats(lines, bytes, 1);
    }
}

/// <summary>A run of whole lines and the encoded text for them.</summary>
sealed class LineBlock(int blockBytes)
{
    public byte[] Input = new byte[blockBytes];
    public int InputLength;
    public long FirstLine, Lines, BadLine;
    public byte[] Output = new byte[blockBytes];
    public int OutputLength;
    readonly List<int> _ids = new(256);

    // Fully optimized from the first call: a CLI run is too short to wait for tiered JIT.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Encode(ITokenizer tok)
    {
        BadLine = 0;
        OutputLength = 0;
        var rest = Input.AsSpan(0, InputLength);
        long lineNo = FirstLine;
        while (rest.Length > 0)
        {
            lineNo++;
            int nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            rest = nl < 0 ? [] : rest[(nl + 1)..];
            if (!System.Text.Unicode.Utf8.IsValid(line)) { BadLine = lineNo; return; }
            _ids.Clear();
            tok.EncodeInto(line, _ids);
            Write(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ids));
        }
    }

    /// <summary>Writes the encoded lines, or throws for the block's first invalid line (the lines before it are written).</summary>
    public void WriteTo(Stream output)
    {
        output.Write(Output, 0, OutputLength);
        if (BadLine > 0) throw new InvalidDataException($"stdin line {BadLine}: invalid UTF-8; pass UTF-8 text.");
    }

    // Fully optimized from the first call: a CLI run is too short to wait for tiered JIT.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    void Write(ReadOnlySpan<int> ids)
    {
        int need = OutputLength + ids.Length * 12 + 1;
        if (need > Output.Length) Array.Resize(ref Output, Math.Max(need, Output.Length * 2));
        var o = Output.AsSpan();
        int k = OutputLength;
        for (int i = 0; i < ids.Length; i++)
        {
            if (i > 0) o[k++] = (byte)' ';
            Utf8Formatter.TryFormat(ids[i], o[k..], out int written);
            k += written;
        }
        o[k++] = (byte)'\n';
        OutputLength = k;
    }
}

/// <summary>Fills blocks with whole lines; a line longer than a block grows that block.</summary>
sealed class LineBlockReader(Stream input, int blockBytes)
{
    byte[] _carry = new byte[blockBytes];
    int _carryLength;
    bool _eof;

    public int BlockBytes => blockBytes;

    public bool Next(LineBlock block, long firstLine)
    {
        if (_eof && _carryLength == 0) return false;
        if (block.Input.Length < _carryLength) block.Input = new byte[Math.Max(_carry.Length, blockBytes)];
        Buffer.BlockCopy(_carry, 0, block.Input, 0, _carryLength);
        int len = _carryLength;
        _carryLength = 0;
        while (true)
        {
            while (!_eof && len < block.Input.Length)
            {
                int n = input.Read(block.Input, len, block.Input.Length - len);
                if (n == 0) _eof = true;
                len += n;
            }
            if (_eof) { block.InputLength = len; break; }
            int lastNl = block.Input.AsSpan(0, len).LastIndexOf((byte)'\n');
            if (lastNl >= 0)
            {
                block.InputLength = lastNl + 1;
                _carryLength = len - block.InputLength;
                if (_carry.Length < _carryLength) _carry = new byte[block.Input.Length];
                Buffer.BlockCopy(block.Input, block.InputLength, _carry, 0, _carryLength);
                break;
            }
            Array.Resize(ref block.Input, block.Input.Length * 2); // one line longer than the block
        }
        if (block.InputLength == 0) return false;
        block.FirstLine = firstLine;
        block.Lines = CountLines(block.Input.AsSpan(0, block.InputLength));
        return true;
    }

    static long CountLines(ReadOnlySpan<byte> s)
    {
        long n = System.MemoryExtensions.Count(s, (byte)'\n');
        return s.Length > 0 && s[^1] != (byte)'\n' ? n + 1 : n;
    }
}
