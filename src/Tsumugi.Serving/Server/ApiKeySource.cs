namespace Tsumugi.Serving.Server;

/// <summary>
/// Where `tsumugi serve` gets its API key: <c>--api-key</c> (visible to anyone who can run <c>ps</c>), a file named by
/// <c>--api-key-file</c>, or the <see cref="EnvironmentVariable"/>. At most one of the two options may be given; the
/// environment variable is used only when neither is.
/// </summary>
public static class ApiKeySource
{
    public const string EnvironmentVariable = "TSUMUGI_API_KEY";

    /// <summary>The key, or null when none is configured. Throws <see cref="ArgumentException"/> naming what to fix.</summary>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    public static string? Resolve(string? commandLineKey, string? keyFile, Func<string, string?> environment)
    {
        if (commandLineKey is not null && keyFile is not null)
            throw new ArgumentException("Give either --api-key or --api-key-file, not both.");
        if (commandLineKey is not null) return NonEmpty(commandLineKey, "--api-key");
        if (keyFile is not null)
        {
            if (!File.Exists(keyFile)) throw new ArgumentException($"--api-key-file: {keyFile} does not exist.");
            // A file written by `echo KEY > file` ends with a newline that is not part of the key.
            return NonEmpty(File.ReadAllText(keyFile).Trim(), $"--api-key-file {keyFile}");
        }
        return environment(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
    }

    static string NonEmpty(string key, string where) =>
        string.IsNullOrWhiteSpace(key) ? throw new ArgumentException($"{where}: the API key is empty.") : key;
}
