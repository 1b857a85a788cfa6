using System.Text;

namespace Tsumugi.Corpus.Reading;

/// <summary>
/// Replaces invalid byte sequences with U+FFFD like the default fallback, but counts the bytes it replaced so that
/// a file's damage is reported instead of silently hidden. One instance per file (not thread-safe).
/// </summary>
public sealed class CountingDecoderFallback : DecoderFallback
{
    public long InvalidBytes { get; private set; }

    public override int MaxCharCount => 1;

    public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer(this);

    sealed class Buffer(CountingDecoderFallback owner) : DecoderFallbackBuffer
    {
        int _remaining;

        public override bool Fallback(byte[] bytesUnknown, int index)
        {
            owner.InvalidBytes += bytesUnknown.Length;
            _remaining = 1;
            return true;
        }

        public override char GetNextChar()
        {
            if (_remaining <= 0) return '\0';
            _remaining--;
            return '\uFFFD';
        }

        public override bool MovePrevious()
        {
            if (_remaining >= 1) return false;
            _remaining++;
            return true;
        }

        public override int Remaining => _remaining;

        public override void Reset() => _remaining = 0;
    }
}
