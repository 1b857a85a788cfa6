namespace Tsumugi.Common.Config;

/// <summary>
/// The YAML key of a settings property when it is not the property's snake_case name (<c>ConfigPath</c> → <c>config</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigKeyAttribute(string key) : Attribute
{
    public string Key { get; } = key;
}

/// <summary>A settings property that is not read from YAML (derived, or filled by the reader from elsewhere).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotConfigKeyAttribute : Attribute;
