using System.Text.RegularExpressions;

namespace Tsumugi.Datasets.Tokenize;

/// <summary>
/// Dataset names become file names (<c>NAME.bin</c>/<c>NAME.idx</c>) and manifest keys: letters, digits, '.', '_', '-',
/// not starting with '.' or '-'. A name given by the user must already look like that; a domain read from the data is
/// made to (other characters become '_').
/// </summary>
internal static partial class DatasetNames
{
    public const string DefaultDomain = "default";

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex ValidName();

    public static bool IsValid(string name) => ValidName().IsMatch(name);

    /// <summary>The dataset name (and manifest domain) for a domain label; empty or null gives <see cref="DefaultDomain"/>.</summary>
    public static string FromDomain(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain)) return DefaultDomain;
        var chars = domain.Trim().ToCharArray();
        if (chars.Length > 128) Array.Resize(ref chars, 128);
        for (var i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '_' || (i > 0 && chars[i] is '.' or '-'))) chars[i] = '_';
        return new string(chars);
    }
}
