using Tsumugi.Common.Config;

namespace Tsumugi.Datasets.Curriculum;

/// <summary>A data plan that cannot run, found before training starts: the message says what, where and what to do.</summary>
public sealed class DataConfigException(string message) : ConfigException(message);
