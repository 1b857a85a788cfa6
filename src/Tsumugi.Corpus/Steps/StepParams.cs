using Tsumugi.Common.Config;
using YamlDotNet.RepresentationModel;

namespace Tsumugi.Corpus.Steps;

/// <summary>
/// One step of a pipeline as configured: its name, its parameters (a YAML mapping from the config file, or one built
/// from a CLI flag) and where it was written. The step reads them through <see cref="Read"/>, a
/// <see cref="YamlSection"/> that takes the keys the step asks for and refuses any other, so a misspelt key is an
/// error naming the file, line and key instead of a silently ignored setting.
/// </summary>
/// <param name="values">The parameter mapping; null when the step is written as its name alone.</param>
/// <param name="source">The config file, or the flag the parameters were built from (e.g. <c>--lang en</c>).</param>
/// <param name="line">The step's line in the file (0 for a flag).</param>
public sealed class StepParams(string step, YamlNode? values, string source, long line = 0)
{
    public string Step { get; } = step;

    /// <summary>Where the step was written, for errors about the step itself: <c>file:line</c>, or the flag.</summary>
    public string Where { get; } = line > 0 ? $"{source}:{line}" : source;

    /// <summary>
    /// The parameters, read afresh: a section remembers which keys were asked for, and every build of the step
    /// (one per worker and shard) checks for unknown keys from scratch.
    /// </summary>
    public YamlSection Read() => new(values, source, Step, allowed: null);

    /// <summary>An error about the step as a whole (an unknown step name).</summary>
    public ConfigException Error(string message) => new($"{Where}: {message}");
}
