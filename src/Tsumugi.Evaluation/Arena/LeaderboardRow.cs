namespace Tsumugi.Evaluation.Arena;

/// <summary>
/// One model on the leaderboard: the Bradley–Terry rating with its bootstrap interval, the online Elo with its
/// interval, and the battle counts (from the model's side).
/// </summary>
public sealed record LeaderboardRow(string Model, double Rating, RatingInterval? RatingCi, double Elo, RatingInterval? EloCi,
    int Battles, int Wins, int Losses, int Ties);
