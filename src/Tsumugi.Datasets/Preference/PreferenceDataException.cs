using Tsumugi.Common.Config;

namespace Tsumugi.Datasets.Preference;

/// <summary>Preference data that cannot be trained on as configured (a bad key, a missing column, mixed shapes): found before training.</summary>
public sealed class PreferenceDataException(string message) : ConfigException(message);
