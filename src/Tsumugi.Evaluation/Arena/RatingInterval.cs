namespace Tsumugi.Evaluation.Arena;

/// <summary>A model's bootstrap spread: the 2.5th and 97.5th percentiles and the median over the rounds it appeared in.</summary>
public sealed record RatingInterval(double Lower, double Median, double Upper, int Rounds);
