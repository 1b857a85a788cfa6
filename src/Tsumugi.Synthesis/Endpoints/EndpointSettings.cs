using System.Text.RegularExpressions;
using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// One OpenAI-compatible endpoint of <c>tsumugi synth</c> (an <c>endpoints:</c> item): where it is, which model it
/// serves, its key, how many requests it takes at once, how long and how often a request is tried, what its tokens
/// cost, and which roles (<c>generate</c>, <c>judge</c>, <c>user</c>) the recipes may give it.
/// </summary>
public sealed partial record EndpointSettings
{
    /// <summary>The roles an endpoint without <c>roles:</c> serves: all the recipes ask for.</summary>
    public static readonly IReadOnlySet<string> DefaultRoles = new HashSet<string>(["generate", "judge", "user"], StringComparer.Ordinal);

    /// <summary>The keys of one <c>endpoints:</c> item, in the order docs list them.</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "name", "url", "model", "api_key_env", "concurrency", "timeout_s", "retries", "backoff_s", "backoff_max_s",
        "price_prompt_per_million", "price_completion_per_million", "roles",
    ];

    /// <summary>Names the endpoint in tallies, provenance and errors.</summary>
    public required string Name { get; init; }

    /// <summary>The API base (…/v1); a trailing /chat/completions is tolerated (see <see cref="BaseUri"/>).</summary>
    public required string Url { get; init; }
    public required string Model { get; init; }

    /// <summary>The key itself (any placeholder for servers that do not check one).</summary>
    public string ApiKey { get; init; } = "none";

    /// <summary>The environment variable the key came from, named in errors instead of the key; null without one.</summary>
    public string? KeyVariable { get; init; }

    /// <summary>Requests this endpoint answers at once (the pool never sends more).</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>One attempt's limit; a slower answer is a <c>timeout</c>, retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Further attempts after the first for transient failures (timeouts, 429, 5xx, dropped connections, cut bodies).</summary>
    public int Retries { get; init; } = 8;

    /// <summary>Retry n waits a random time in [0, min(BackoffMax, BackoffBase·2^(n-1))] ("full jitter"), or the server's Retry-After capped at BackoffMax.</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Currency units per million prompt / completion tokens (0: free or unknown); the tally's cost.</summary>
    public double PromptPrice { get; init; }
    public double CompletionPrice { get; init; }

    public IReadOnlySet<string> Roles { get; init; } = DefaultRoles;

    /// <summary>What <paramref name="promptTokens"/> and <paramref name="completionTokens"/> cost at this endpoint's prices.</summary>
    public double Cost(long promptTokens, long completionTokens) => (promptTokens * PromptPrice + completionTokens * CompletionPrice) / 1e6;

    /// <summary>Throws <see cref="ArgumentException"/> naming the endpoint and the first bad field (by its YAML key).</summary>
    public void Validate()
    {
        string where = $"endpoint '{Name}'";
        if (string.IsNullOrWhiteSpace(Name) || !NamePattern().IsMatch(Name))
            throw new ArgumentException($"endpoint name '{Name}' must be letters, digits, '_', '.', '-' (it keys the tallies and provenance)");
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"{where}: url '{Url}' is not an http(s) URL; give the API base, e.g. http://localhost:8000/v1");
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException($"{where}: model is empty; give the model id the endpoint serves");
        if (string.IsNullOrEmpty(ApiKey)) throw new ArgumentException($"{where}: the API key is empty; use any placeholder for endpoints without keys");
        if (Concurrency is < 1 or > 256) throw new ArgumentException($"{where}: concurrency must be in [1, 256] (got {Concurrency})");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException($"{where}: timeout_s must be > 0 (got {Timeout.TotalSeconds} s)");
        if (Retries is < 0 or > 100) throw new ArgumentException($"{where}: retries must be in [0, 100] (got {Retries})");
        if (BackoffBase < TimeSpan.Zero) throw new ArgumentException($"{where}: backoff_s must be ≥ 0 (got {BackoffBase.TotalSeconds} s)");
        if (BackoffMax < BackoffBase)
            throw new ArgumentException($"{where}: backoff_max_s ({BackoffMax.TotalSeconds} s) must be ≥ backoff_s ({BackoffBase.TotalSeconds} s)");
        if (PromptPrice < 0 || CompletionPrice < 0 || !double.IsFinite(PromptPrice) || !double.IsFinite(CompletionPrice))
            throw new ArgumentException($"{where}: prices must be finite and ≥ 0 (got {PromptPrice}, {CompletionPrice})");
        if (Roles.Count == 0 || Roles.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException($"{where}: roles must list at least one role (generate, judge, user)");
    }

    /// <summary>The base the OpenAI client appends /chat/completions to (and the preflight /models).</summary>
    public Uri BaseUri
    {
        get
        {
            var url = Url.TrimEnd('/');
            if (url.EndsWith("/chat/completions", StringComparison.OrdinalIgnoreCase)) url = url[..^"/chat/completions".Length];
            return new Uri(url);
        }
    }

    /// <summary>
    /// Reads the list of mappings under <paramref name="key"/> of <paramref name="parent"/>. Keys come from
    /// <paramref name="environment"/> (the process environment in the CLI): an <c>api_key_env</c> whose variable is
    /// unset is an error at that line, since every request would then fail with 401. Errors are ConfigExceptions
    /// naming the file, line and key (<c>synth.yaml:7: endpoints[0].concurrency: 0 is outside [1, 256]</c>).
    /// </summary>
    public static IReadOnlyList<EndpointSettings> Read(YamlSection parent, string key, Func<string, string?> environment)
    {
        var node = parent.Node(key);
        if (node is not YamlSequenceNode { Children.Count: > 0 } list)
            throw node is null or YamlScalarNode { Value: null or "" }
                ? parent.Error(key, "missing: list the OpenAI-compatible endpoints, each {name, url, model} (see docs/synth.md)")
                : parent.Error(node, $"{key}: must be a list of mappings, each {{name, url, model, …}}");
        var endpoints = new List<EndpointSettings>();
        for (int i = 0; i < list.Children.Count; i++)
        {
            var item = list.Children[i];
            var s = parent.Nested(item, $"{key}[{i}]", Keys);
            var settings = ReadOne(s, environment);
            if (endpoints.Any(e => e.Name == settings.Name))
                throw s.Error("name", $"'{settings.Name}' is already the name of another endpoint; give each endpoint its own name");
            try { settings.Validate(); }
            catch (ArgumentException e) { throw s.Error(item, e.Message); }
            endpoints.Add(settings);
        }
        return endpoints;
    }

    static EndpointSettings ReadOne(YamlSection s, Func<string, string?> environment)
    {
        var defaults = new EndpointSettings { Name = "", Url = "", Model = "" };
        string? variable = s.String("api_key_env"), apiKey = null;
        if (variable is not null)
        {
            if (!EnvironmentName().IsMatch(variable))
                throw s.Error("api_key_env", $"'{variable}' is not an environment variable name; name the variable that holds the key (e.g. OPENAI_API_KEY), not the key");
            apiKey = environment(variable) is { Length: > 0 } value ? value.Trim()
                : throw s.Error("api_key_env", $"environment variable {variable} is not set; export it or remove api_key_env for endpoints without keys");
        }
        var roles = s.List("roles");
        if (roles is { Count: 0 } || roles?.Any(string.IsNullOrWhiteSpace) == true)
            throw s.Error("roles", "list at least one role: generate, judge or user");
        var backoff = s.Double("backoff_s", defaults.BackoffBase.TotalSeconds, min: 0, max: 3600);
        return new EndpointSettings
        {
            Name = s.String("name") ?? throw s.Error("name", "missing: the endpoint's name (it keys tallies and provenance)"),
            Url = s.String("url") ?? throw s.Error("url", "missing: the OpenAI-compatible API base, e.g. http://localhost:8000/v1"),
            Model = s.String("model") ?? throw s.Error("model", "missing: the model id the endpoint serves"),
            ApiKey = apiKey ?? defaults.ApiKey,
            KeyVariable = variable,
            Concurrency = s.Int("concurrency", defaults.Concurrency, min: 1, max: 256),
            Timeout = TimeSpan.FromSeconds(s.Double("timeout_s", defaults.Timeout.TotalSeconds, min: 0.001, max: 86_400)),
            Retries = s.Int("retries", defaults.Retries, min: 0, max: 100),
            BackoffBase = TimeSpan.FromSeconds(backoff),
            BackoffMax = TimeSpan.FromSeconds(s.Double("backoff_max_s", Math.Max(backoff, defaults.BackoffMax.TotalSeconds), min: 0, max: 3600)),
            PromptPrice = s.Double("price_prompt_per_million", 0, min: 0),
            CompletionPrice = s.Double("price_completion_per_million", 0, min: 0),
            Roles = roles is null ? DefaultRoles : new HashSet<string>(roles, StringComparer.Ordinal),
        };
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();
}
