namespace Tsumugi.Tokenization.Metrics;

/// <summary>Compression figures of one tokenizer on one domain.</summary>
public sealed record EvalStats(string Domain, long Lines, long Chars, long Bytes, long Tokens, long ByteTokens, long UnkTokens)
{
    public double CharsPerToken => Tokens == 0 ? 0 : Chars / (double)Tokens;
    public double BytesPerToken => Tokens == 0 ? 0 : Bytes / (double)Tokens;
    public double ByteFallbackRate => Tokens == 0 ? 0 : ByteTokens / (double)Tokens;
    public double UnkRate => Tokens == 0 ? 0 : UnkTokens / (double)Tokens;
}
