namespace Tsumugi.Evaluation.Scoring;

/// <summary>
/// One row to score: token ids (BOS included) and the first position whose token is scored. Position t is predicted
/// from the tokens before it, so <see cref="ScoreFrom"/> ≥ 1; tokens before it are context only.
/// </summary>
public sealed record ScoreRequest(long[] Ids, int ScoreFrom)
{
    public int Scored => Ids.Length - ScoreFrom;
}
