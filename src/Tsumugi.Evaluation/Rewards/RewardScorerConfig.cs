using Tsumugi.Common.Config;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Evaluation.Rewards;

/// <summary>
/// One reward scorer as a YAML mapping (keys documented in docs/dpo.md, "Rewards for online DPO"): <c>type</c> picks
/// the scorer and only that type's keys are allowed. Read through <see cref="YamlSection"/>, so every error names the
/// file, line and key (<c>dpo.yaml:7: reward.max_concurrency: 0 is outside [1, 64]</c>). Paths (a script's working
/// directory, a template file) resolve against the config file's directory. <see cref="RewardScorerFactory"/> builds
/// the scorer.
/// </summary>
public sealed partial class RewardScorerConfig
{
    public const string Regex = "regex", ExactAnswer = "exact_answer", Script = "script", Judge = "judge";

    public static readonly IReadOnlyList<string> Types = [Regex, ExactAnswer, Script, Judge];

    /// <summary>The keys each type accepts besides <c>type</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> KeysOfType = new Dictionary<string, string[]>
    {
        [Regex] = ["pattern", "full_match"],
        [ExactAnswer] = [],
        [Script] = ["command", "timeout_seconds"],
        [Judge] =
        [
            "base_url", "model", "api_key_env", "max_concurrency", "retries", "timeout_seconds", "template", "temperature",
            "max_tokens", "price_input_per_million", "price_output_per_million",
        ],
    };

    public const double DefaultScriptTimeoutSeconds = 300, DefaultJudgeTimeoutSeconds = 120;

    /// <summary>What errors name first: the config file (or flag).</summary>
    [NotConfigKey] public string Source { get; init; } = "reward config";

    /// <summary>The dotted key path of this mapping in its file (<c>reward</c>, <c>online.reward</c>; empty at the top level).</summary>
    [NotConfigKey] public string Path { get; init; } = "";

    /// <summary>The config file's directory: the script's working directory, and where a relative template path is looked up.</summary>
    [NotConfigKey] public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();

    public string Type { get; init; } = "";

    /// <summary>regex: the .NET regular expression a good response matches.</summary>
    public string? Pattern { get; init; }

    /// <summary>regex: the whole response must match, not just a part.</summary>
    public bool FullMatch { get; init; }

    /// <summary>script: the shell command (<c>/bin/sh -c</c>) run once per batch.</summary>
    public string? Command { get; init; }

    /// <summary>script: per batch; judge: per request. Defaults 300 and 120.</summary>
    public double TimeoutSeconds { get; init; }

    /// <summary>judge: the OpenAI-compatible API base, e.g. <c>http://localhost:8000/v1</c>.</summary>
    public string? BaseUrl { get; init; }

    public string? Model { get; init; }

    /// <summary>judge: the environment variable holding the API key (the key itself never goes into a config).</summary>
    public string? ApiKeyEnv { get; init; }

    public int MaxConcurrency { get; init; } = 4;
    public int Retries { get; init; } = 2;

    /// <summary>judge: a template file, or the template itself (any value containing <c>{response}</c> or a line break).</summary>
    public string? Template { get; init; }

    public double Temperature { get; init; }
    public int MaxTokens { get; init; } = 2048;
    public double PriceInputPerMillion { get; init; }
    public double PriceOutputPerMillion { get; init; }

    /// <summary>judge: the template's text, read from <see cref="Template"/> (null: the built-in templates).</summary>
    [NotConfigKey] public string? TemplateText { get; init; }

    /// <summary>Reads a YAML file whose top level is the scorer mapping.</summary>
    public static RewardScorerConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ConfigException($"reward config '{path}' not found; pass an existing YAML file (see docs/dpo.md)");
        return Parse(File.ReadAllText(path), path, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
    }

    /// <summary>Parses YAML text whose top level is the scorer mapping; <paramref name="source"/> is what errors name.</summary>
    public static RewardScorerConfig Parse(string yaml, string source, string? baseDirectory = null)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e) { throw new ConfigException($"{source}:{e.Start.Line}: invalid YAML: {e.Message}"); }
        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        return Read(root, source, "", baseDirectory ?? Directory.GetCurrentDirectory());
    }

    /// <summary>Reads the mapping <paramref name="node"/> found at <paramref name="path"/> of a larger config (e.g. <c>reward:</c> of a DPO config).</summary>
    public static RewardScorerConfig Read(YamlNode? node, string source, string path, string baseDirectory)
    {
        var s = new YamlSection(node, source, path, ConfigKeys.Of<RewardScorerConfig>());
        var where = path.Length == 0 ? "the reward config" : $"'{path}'";
        if (!s.Has("type")) throw s.Error(node ?? new YamlMappingNode(), $"{where} has no 'type'; give one of {string.Join(", ", Types)}");
        var type = s.Choice("type", "", [.. Types]);
        foreach (var key in s.Keys)
            if (key != "type" && !KeysOfType[type].Contains(key))
                throw s.Error(key, $"does not apply to type {type} ({(KeysOfType[type].Length == 0 ? $"{type} takes no other keys" : $"keys for {type}: {string.Join(", ", KeysOfType[type])}")})");

        var config = new RewardScorerConfig
        {
            Source = source,
            Path = path,
            BaseDirectory = baseDirectory,
            Type = type,
            Pattern = s.String("pattern"),
            FullMatch = s.Bool("full_match", false),
            Command = s.String("command"),
            TimeoutSeconds = s.Double("timeout_seconds", type == Script ? DefaultScriptTimeoutSeconds : DefaultJudgeTimeoutSeconds, min: 0.001),
            BaseUrl = s.String("base_url"),
            Model = s.String("model"),
            ApiKeyEnv = s.String("api_key_env"),
            MaxConcurrency = s.Int("max_concurrency", 4, min: 1, max: 64),
            Retries = s.Int("retries", 2, min: 0, max: 10),
            Template = s.String("template"),
            TemplateText = s.String("template") is { } template ? ReadTemplate(s, template, baseDirectory) : null,
            Temperature = s.Double("temperature", 0, min: 0, max: 2),
            MaxTokens = s.Int("max_tokens", 2048, min: 1),
            PriceInputPerMillion = s.Double("price_input_per_million", 0, min: 0),
            PriceOutputPerMillion = s.Double("price_output_per_million", 0, min: 0),
        };
        switch (type)
        {
            case Regex:
                if (config.Pattern is null) throw s.Error("pattern", "missing; type regex needs the pattern a good response matches");
                try { _ = new System.Text.RegularExpressions.Regex(config.Pattern); }
                catch (ArgumentException e) { throw s.Error("pattern", $"'{config.Pattern}' is not a valid .NET regular expression: {e.Message}"); }
                break;
            case Script:
                if (config.Command is null) throw s.Error("command", "missing; type script needs the command that prints one reward per request");
                break;
            case Judge:
                if (config.BaseUrl is null) throw s.Error("base_url", "missing; give the judge's OpenAI-compatible API base, e.g. http://localhost:8000/v1");
                if (!Uri.TryCreate(config.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    throw s.Error("base_url", $"'{config.BaseUrl}' is not an http(s) URL; give the API base, e.g. http://localhost:8000/v1");
                if (config.Model is null) throw s.Error("model", "missing; give the model name the judge endpoint serves");
                if (config.ApiKeyEnv is { } env && !EnvironmentName().IsMatch(env))
                    throw s.Error("api_key_env", $"'{env}' is not an environment variable name; name the variable that holds the key (e.g. OPENAI_API_KEY), not the key");
                break;
        }
        return config;
    }

    /// <summary>The template's text: the value itself when it is inline (has {response} or a line break), else the file it names.</summary>
    static string ReadTemplate(YamlSection s, string template, string baseDirectory)
    {
        bool inline = template.Contains('\n') || template.Contains("{response}", StringComparison.Ordinal);
        string text;
        if (inline) text = template;
        else
        {
            var file = System.IO.Path.GetFullPath(template, baseDirectory);
            if (!File.Exists(file))
                throw s.Error("template", $"'{template}' is neither a file (looked for {file}) nor an inline template (one with {{response}})");
            text = File.ReadAllText(file);
        }
        try { _ = new JudgeRewardTemplate(text); }
        catch (ArgumentException e) { throw s.Error("template", inline ? e.Message : $"{template}: {e.Message}"); }
        return text;
    }

    /// <summary>An error found after reading, naming the file and key (or this mapping, for a null key); no line: the node is gone.</summary>
    internal ConfigException Error(string? key, string message)
    {
        var where = key is null ? (Path.Length == 0 ? "" : $"{Path}: ") : $"{(Path.Length == 0 ? key : $"{Path}.{key}")}: ";
        return new ConfigException($"{Source}: {where}{message}");
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial System.Text.RegularExpressions.Regex EnvironmentName();
}
