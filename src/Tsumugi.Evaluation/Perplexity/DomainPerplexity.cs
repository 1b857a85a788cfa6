namespace Tsumugi.Evaluation.Perplexity;

/// <summary>
/// Totals of one domain. ppl is token-level (exp of mean NLL per scored token, so it depends on the tokenizer);
/// bits per character / per UTF-8 byte divide the total NLL in bits by the text's Unicode characters (code points) or
/// bytes, which compares models with different tokenizers. Characters and bytes count the whole text, while tokens
/// count the scored ones (all but BOS).
/// </summary>
public sealed record DomainPerplexity(string Domain, int Documents, long Tokens, long Characters, long Bytes, double NllNats)
{
    public double Perplexity => Tokens == 0 ? double.NaN : Math.Exp(NllNats / Tokens);
    public double BitsPerCharacter => Characters == 0 ? double.NaN : NllNats / Math.Log(2) / Characters;
    public double BitsPerByte => Bytes == 0 ? double.NaN : NllNats / Math.Log(2) / Bytes;

    public DomainPerplexity Add(DomainPerplexity other) =>
        this with { Documents = Documents + other.Documents, Tokens = Tokens + other.Tokens, Characters = Characters + other.Characters,
            Bytes = Bytes + other.Bytes, NllNats = NllNats + other.NllNats };
}
