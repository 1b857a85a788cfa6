using Tsumugi.Common.Config;

namespace Tsumugi.Training.Config;

/// <summary>A training config or plan that cannot run, found before step 1: the message names the file, key and what to do.</summary>
public sealed class TrainConfigException(string message) : ConfigException(message);
