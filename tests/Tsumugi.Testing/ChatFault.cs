namespace Tsumugi.Testing;

/// <summary>
/// What <see cref="FaultyChatServer"/> does to one request instead of (or before) answering it: the failures a long
/// run against real endpoints meets — rate limits, server errors, slow answers, bodies cut by a proxy, dropped connections.
/// </summary>
public sealed record ChatFault(ChatFault.Kinds Kind, int RetryAfterSeconds = 0, int Status = 200, TimeSpan Delay = default)
{
    public enum Kinds { None, TooManyRequests, ServerError, Slow, TruncatedJson, CloseConnection }

    public static ChatFault None { get; } = new(Kinds.None);

    /// <summary>429 with <c>Retry-After: <paramref name="retryAfterSeconds"/></c> (none when negative).</summary>
    public static ChatFault TooManyRequests(int retryAfterSeconds) => new(Kinds.TooManyRequests, RetryAfterSeconds: retryAfterSeconds, Status: 429);

    public static ChatFault ServerError(int status = 500) => new(Kinds.ServerError, Status: status);

    /// <summary>Answers after <paramref name="delay"/> (nothing when the client gave up first).</summary>
    public static ChatFault Slow(TimeSpan delay) => new(Kinds.Slow, Delay: delay);

    /// <summary>A 200 whose body stops mid-JSON, with the Content-Length of the cut body (the client reads it all, then cannot parse it).</summary>
    public static ChatFault TruncatedJson { get; } = new(Kinds.TruncatedJson);

    /// <summary>The connection is dropped before any response.</summary>
    public static ChatFault CloseConnection { get; } = new(Kinds.CloseConnection);

    /// <summary>
    /// A plan that faults a <paramref name="rate"/> share of requests, drawing each fault's kind evenly from 429
    /// (Retry-After 1), 500, 503, slow (<paramref name="slow"/>, meant to be past the client's timeout), truncated JSON and
    /// a dropped connection. The same seed and ordinal give the same fault, in any process.
    /// </summary>
    public static Func<int, ChatFault> Random(int seed, double rate, TimeSpan slow) => ordinal =>
    {
        var random = new System.Random(unchecked(seed * 1_000_003 + ordinal));
        if (random.NextDouble() >= rate) return None;
        return random.Next(6) switch
        {
            0 => TooManyRequests(1),
            1 => ServerError(500),
            2 => ServerError(503),
            3 => Slow(slow),
            4 => TruncatedJson,
            _ => CloseConnection,
        };
    };
}
