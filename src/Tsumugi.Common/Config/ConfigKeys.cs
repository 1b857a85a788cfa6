using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;

namespace Tsumugi.Common.Config;

/// <summary>
/// The YAML keys of a settings record, derived from its public settable properties (snake_case of the name, or
/// <see cref="ConfigKeyAttribute"/>), so that a reader's list of allowed keys can never drift from the record.
/// Defaults come from the record too: a reader passes <c>new T()</c>'s values as fallbacks.
/// </summary>
public static class ConfigKeys
{
    private static readonly ConcurrentDictionary<Type, string[]> Cache = new();

    public static IReadOnlyList<string> Of<T>() => Of(typeof(T));

    public static IReadOnlyList<string> Of(Type type) => Cache.GetOrAdd(type, static t => t
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.SetMethod is not null && p.GetCustomAttribute<NotConfigKeyAttribute>() is null)
        .OrderBy(p => p.MetadataToken) // declaration order: the order docs and error messages list them in
        .Select(p => p.GetCustomAttribute<ConfigKeyAttribute>()?.Key ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name))
        .ToArray());
}
