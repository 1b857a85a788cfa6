namespace Tsumugi.Dashboard;

/// <summary>
/// A request the dashboard refuses (400, 401, 404, 405), thrown where the reason is known and answered in one place as
/// <c>{"error": {"message", "type"}}</c>.
/// </summary>
public sealed class DashboardException(int status, string message, string type) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;

    /// <summary>The one answer for anything outside --runs or absent: the two are indistinguishable on purpose.</summary>
    public static DashboardException NotFound(string what) => new(404, $"{what} not found under --runs.", "not_found");

    public static DashboardException BadRequest(string message) => new(400, message, "invalid_request");
}
