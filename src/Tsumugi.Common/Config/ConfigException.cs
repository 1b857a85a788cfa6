namespace Tsumugi.Common.Config;

/// <summary>A config that cannot be used; the message names the file (or flag), line and key, and what to do.</summary>
public class ConfigException(string message) : Exception(message);
