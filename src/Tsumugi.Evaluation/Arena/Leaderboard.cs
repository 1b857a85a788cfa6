using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tsumugi.Evaluation.Arena;

/// <summary>
/// Rates battles both ways Chatbot Arena does — Bradley–Terry MLE (the leaderboard's order) and online Elo — with
/// seeded bootstrap intervals for both, and prints / writes the result.
/// </summary>
public sealed record Leaderboard(IReadOnlyList<LeaderboardRow> Rows, int Battles, int BootstrapRounds, int Seed)
{
    /// <summary>Rates <paramref name="battles"/>; <paramref name="bootstrapRounds"/> 0 skips the intervals.</summary>
    public static Leaderboard Compute(IReadOnlyList<Battle> battles, int bootstrapRounds, int seed)
    {
        if (bootstrapRounds < 0) throw new ArgumentOutOfRangeException(nameof(bootstrapRounds), $"bootstrap rounds must be ≥ 0 (got {bootstrapRounds}).");
        var mle = BradleyTerry.Compute(battles);
        var elo = EloRating.Compute(battles);
        var mleCi = bootstrapRounds > 0 ? RatingBootstrap.Compute(battles, b => BradleyTerry.Compute(b), bootstrapRounds, seed) : null;
        var eloCi = bootstrapRounds > 0 ? RatingBootstrap.Compute(battles, b => EloRating.Compute(b), bootstrapRounds, seed) : null;
        var rows = mle.Keys.Select(m => new LeaderboardRow(m, mle[m], mleCi?.GetValueOrDefault(m), elo[m], eloCi?.GetValueOrDefault(m),
                battles.Count(b => b.ModelA == m || b.ModelB == m),
                battles.Count(b => (b.ModelA == m && b.Winner == Battle.WinnerA) || (b.ModelB == m && b.Winner == Battle.WinnerB)),
                battles.Count(b => (b.ModelA == m && b.Winner == Battle.WinnerB) || (b.ModelB == m && b.Winner == Battle.WinnerA)),
                battles.Count(b => (b.ModelA == m || b.ModelB == m) && b.IsTie)))
            .OrderByDescending(r => r.Rating).ThenBy(r => r.Model, StringComparer.Ordinal).ToList();
        return new Leaderboard(rows, battles.Count, bootstrapRounds, seed);
    }

    public string Table()
    {
        int width = Math.Max(5, Rows.Count == 0 ? 0 : Rows.Max(r => r.Model.Length));
        var text = new StringBuilder($"{"rank",4}  {"model".PadRight(width)}  {"rating",7}  {"95% CI",15}  {"elo",7}  {"95% CI",15}  {"battles",7} {"win",5} {"loss",5} {"tie",5}\n");
        int rank = 0;
        foreach (var r in Rows)
            text.Append(CultureInfo.InvariantCulture,
                $"{++rank,4}  {r.Model.PadRight(width)}  {r.Rating,7:0.0}  {Ci(r.RatingCi),15}  {r.Elo,7:0.0}  {Ci(r.EloCi),15}  {r.Battles,7} {r.Wins,5} {r.Losses,5} {r.Ties,5}\n");
        return text.ToString();
        static string Ci(RatingInterval? ci) => ci is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"[{ci.Lower:0.0}, {ci.Upper:0.0}]");
    }

    public void Write(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        static JsonNode? Ci(RatingInterval? ci) => ci is null ? null : new JsonObject { ["lower"] = ci.Lower, ["median"] = ci.Median, ["upper"] = ci.Upper, ["rounds"] = ci.Rounds };
        var json = new JsonObject
        {
            ["kind"] = "arena",
            ["battles"] = Battles,
            ["bootstrap_rounds"] = BootstrapRounds,
            ["seed"] = Seed,
            ["method"] = "Bradley-Terry MLE (FastChat compute_mle_elo) and online Elo (compute_elo, K=4), scale 400, base 10, init 1000",
            ["models"] = new JsonArray(Rows.Select(r => (JsonNode)new JsonObject
            {
                ["model"] = r.Model, ["rating"] = r.Rating, ["rating_ci"] = Ci(r.RatingCi), ["elo"] = r.Elo, ["elo_ci"] = Ci(r.EloCi),
                ["battles"] = r.Battles, ["wins"] = r.Wins, ["losses"] = r.Losses, ["ties"] = r.Ties,
            }).ToArray()),
        };
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }
}
