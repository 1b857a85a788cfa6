using System.Buffers.Text;

namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// `spm_encode --output_format=id` as a stream transform: '\n'-separated UTF-8 lines in, one line of space-separated
/// ids per input line out, in input order. The input is cut into blocks at line ends; a batch of blocks (a few per
/// thread, so memory stays bounded) is encoded in parallel straight into per-block byte buffers, then written in
/// order. Nothing is allocated per line: lines are spans of the block, ids are formatted as UTF-8 digits.
/// </summary>
public static class IdLineEncoder
{
    const int BlockBytes = 1 << 19;

    /// <summary>What one run did, for `--stats`.</summary>
    public readonly record struct Stats(long Lines, long Bytes, int Threads);

    /// <summary>
    /// Encodes <paramref name="input"/> to <paramref name="output"/> on <paramref name="threads"/> threads
    /// (≤ 0 = all cores). A line that is not valid UTF-8 stops the run with an error naming the line (1-based).
    /// </summary>
    public static Stats Run(ITokenizer tokenizer, Stream input, Stream output, int threads)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        int inFlight = threads == 1 ? 1 : threads * 4;
        var blocks = new Block[inFlight];
        for (int i = 0; i < inFlight; i++) blocks[i] = new Block();
        var reader = new BlockReader(input);
        long lines = 0, bytes = 0;
        while (true)
        {
            int count = 0;
            while (count < inFlight && reader.Next(blocks[count], lines)) { lines += blocks[count].Lines; bytes += blocks[count].InputLength; count++; }
            if (count == 0) break;
            if (count == 1 || threads == 1) for (int i = 0; i < count; i++) blocks[i].Encode(tokenizer);
            else Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => blocks[i].Encode(tokenizer));
            for (int i = 0; i < count; i++)
            {
                if (blocks[i].BadLine > 0) throw new InvalidDataException($"stdin line {blocks[i].BadLine}: invalid UTF-8; pass UTF-8 text.");
                output.Write(blocks[i].Output, 0, blocks[i].OutputLength);
            }
            if (count < inFlight) break;
        }
        output.Flush();
        return new Stats(lines, bytes, threads);
    }

    /// <summary>A run of whole lines and the encoded text for them.</summary>
    sealed class Block
    {
        public byte[] Input = new byte[BlockBytes];
        public int InputLength;
        public long FirstLine, Lines, BadLine;
        public byte[] Output = new byte[BlockBytes];
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
    sealed class BlockReader(Stream input)
    {
        byte[] _carry = new byte[BlockBytes];
        int _carryLength;
        bool _eof;

        public bool Next(Block block, long firstLine)
        {
            if (_eof && _carryLength == 0) return false;
            if (block.Input.Length < _carry.Length) block.Input = new byte[_carry.Length];
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
}
