using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Tsumugi.Dashboard;

/// <summary>
/// The --token check. A request may carry the token as <c>Authorization: Bearer T</c> (scripts), <c>?token=T</c>
/// (the URL the CLI prints; EventSource cannot set headers) or the <c>tsumugi_token</c> cookie, which is set on the
/// first authorised response so the page's own /assets requests pass without the token in their URLs. Candidates
/// are compared as SHA-256 digests in constant time: equal-length digests, and no early exit that would tell an
/// attacker how many leading characters of a guess are right.
/// </summary>
public sealed class TokenGate(string token)
{
    public const string CookieName = "tsumugi_token";

    readonly byte[] _digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        var fromHeader = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : null;
        // Every candidate is checked (no short-circuit), so the time taken does not say which form was present.
        var ok = Matches(fromHeader);
        ok |= Matches(request.Query["token"].ToString());
        ok |= Matches(request.Cookies[CookieName]);
        return ok;
    }

    bool Matches(string? candidate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate ?? "")), _digest) && !string.IsNullOrEmpty(candidate);

    /// <summary>Remembers the token in the browser: HttpOnly (page scripts cannot read it), SameSite=Strict (no other site sends it).</summary>
    public void SetCookie(HttpResponse response, string token) =>
        response.Cookies.Append(CookieName, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true });
}
