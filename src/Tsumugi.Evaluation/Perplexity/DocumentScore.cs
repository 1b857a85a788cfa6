namespace Tsumugi.Evaluation.Perplexity;

/// <summary>The audit line of one document: where it came from, what was scored and its NLL (nats).</summary>
public sealed record DocumentScore(string Source, string Domain, int Tokens, int Characters, int Bytes, int Windows, double NllNats)
{
    public double Perplexity => Tokens == 0 ? double.NaN : Math.Exp(NllNats / Tokens);
}
