using Tsumugi.Common.Config;

namespace Tsumugi.Datasets.Sft;

/// <summary>SFT data that cannot be trained on as configured (a missing column, an unknown shape): found before training.</summary>
public sealed class SftDataException(string message) : ConfigException(message);
