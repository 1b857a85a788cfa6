using System.Net;
using System.Text;
using System.Web;

namespace Tsumugi.Evaluation.Arena;

/// <summary>
/// A small local page for human votes (Chatbot Arena's side-by-side, anonymous): GET / shows the next matchup — the
/// question turns and two unnamed conversations — with buttons A / B / tie / both bad; POST /vote appends the battle to
/// the votes file (JSONL, <see cref="BattleFile"/>) and shows the next one. Served by <see cref="HttpListener"/> on
/// 127.0.0.1 only: votes are meant to come from the person at this machine. Requests are handled one at a time, so
/// votes are appended in the order given.
/// </summary>
public sealed class VoteServer : IAsyncDisposable
{
    readonly IReadOnlyList<VoteMatchup> _matchups;
    readonly string _votesPath;
    readonly HttpListener _listener = new();
    readonly Task _loop;
    readonly CancellationTokenSource _stop = new();
    int _next, _votes;

    public string Url { get; }

    /// <summary>Votes recorded since start.</summary>
    public int Votes => Volatile.Read(ref _votes);

    /// <summary>Raised after every recorded vote (on the server loop); the CLI counts them for <c>--max-votes</c>.</summary>
    public event Action<Battle>? Voted;

    public VoteServer(IReadOnlyList<VoteMatchup> matchups, string votesPath, int port)
    {
        if (matchups.Count == 0) throw new ArgumentException("no matchups to vote on: give at least two models' answers and one question.");
        (_matchups, _votesPath) = (matchups, votesPath);
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        try { _listener.Start(); }
        catch (HttpListenerException e) { throw new IOException($"cannot listen on {Url} ({e.Message}); pick another --port.", e); }
        _loop = Task.Run(ServeAsync);
    }

    async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening) { return; }
            try { await HandleAsync(context).ConfigureAwait(false); }
            catch (Exception e) { await RespondAsync(context.Response, 500, "text/plain", e.Message).ConfigureAwait(false); }
        }
    }

    async Task HandleAsync(HttpListenerContext context)
    {
        var (request, response) = (context.Request, context.Response);
        var path = request.Url!.AbsolutePath;
        if (request.HttpMethod == "GET" && path == "/")
        {
            await RespondAsync(response, 200, "text/html; charset=utf-8", Page(_matchups[_next % _matchups.Count])).ConfigureAwait(false);
            return;
        }
        if (request.HttpMethod == "POST" && path == "/vote")
        {
            string body;
            using (var reader = new StreamReader(request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync().ConfigureAwait(false);
            var form = HttpUtility.ParseQueryString(body);
            if (!int.TryParse(form["id"], out int id) || id < 0 || id >= _matchups.Count)
            {
                await RespondAsync(response, 400, "text/plain; charset=utf-8", $"field 'id' must be a matchup id in [0, {_matchups.Count}).").ConfigureAwait(false);
                return;
            }
            Battle battle;
            try { battle = _matchups[id].Vote(form["choice"] ?? ""); }
            catch (ArgumentException e)
            {
                await RespondAsync(response, 400, "text/plain; charset=utf-8", e.Message).ConfigureAwait(false);
                return;
            }
            BattleFile.Append(_votesPath, [battle]);
            _next = id + 1;
            Interlocked.Increment(ref _votes);
            response.Redirect("/"); // post/redirect/get: a reload does not vote twice
            response.StatusCode = 303;
            response.Close();
            // Only after the answer is sent: the vote that reaches --max-votes stops the server from this event, which
            // before the response could close the listener under it (the voter then got a 500 instead of the redirect).
            Voted?.Invoke(battle);
            return;
        }
        await RespondAsync(response, 404, "text/plain", "not found").ConfigureAwait(false);
    }

    static async Task RespondAsync(HttpListenerResponse response, int status, string type, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        response.StatusCode = status;
        response.ContentType = type;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        response.Close();
    }

    string Page(VoteMatchup m)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder("""
            <!doctype html><html lang="ja"><head><meta charset="utf-8"><title>Tsumugi arena</title>
            <style>body{font-family:sans-serif;max-width:72rem;margin:1rem auto}.row{display:flex;gap:1rem}.col{flex:1;border:1px solid #ccc;padding:.5rem}
            pre{white-space:pre-wrap}button{font-size:1.1rem;margin:.3rem}</style></head><body>
            """);
        html.Append($"<p>matchup {m.Id + 1} / {_matchups.Count} · votes this session: {Votes}</p>");
        html.Append($"<h2>質問 ({E(m.Question.Category)})</h2>");
        for (int t = 0; t < m.Question.Turns.Count; t++) html.Append($"<p><b>ユーザー {t + 1}:</b></p><pre>{E(m.Question.Turns[t])}</pre>");
        html.Append("<div class=\"row\">");
        foreach (var (side, answers) in new[] { ("A", m.AnswersA), ("B", m.AnswersB) })
        {
            html.Append($"<div class=\"col\"><h3>アシスタント{side}</h3>");
            for (int t = 0; t < m.Question.Turns.Count; t++) html.Append($"<p><b>回答 {t + 1}:</b></p><pre>{E(answers[t])}</pre>");
            html.Append("</div>");
        }
        html.Append($"</div><form method=\"post\" action=\"/vote\"><input type=\"hidden\" name=\"id\" value=\"{m.Id}\">")
            .Append("<button name=\"choice\" value=\"A\">A が良い</button><button name=\"choice\" value=\"B\">B が良い</button>")
            .Append("<button name=\"choice\" value=\"tie\">引き分け</button><button name=\"choice\" value=\"bothbad\">両方とも悪い</button></form></body></html>");
        return html.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _loop.ConfigureAwait(false); } catch (ObjectDisposedException) { }
        _listener.Close();
        _stop.Dispose();
    }
}
