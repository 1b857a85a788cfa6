namespace Tsumugi.Composition.Config;

/// <summary>Parameters by name, each with the line it was written on.</summary>
public sealed class ParameterMap : Dictionary<string, ParameterSetting>
{
    public ParameterMap() : base(StringComparer.Ordinal) { }
}

/// <summary>One input of an output slice: a model and the half-open layer range taken from it (null until resolved
/// for the <c>models:</c> form, which means "every layer").</summary>
public sealed record SourceConfig(string Model, (int Start, int End)? LayerRange, ParameterMap Parameters, long Line);

/// <summary>One output slice: its sources are merged layer by layer; slices are stacked in order.</summary>
public sealed record SliceConfig(IReadOnlyList<SourceConfig> Sources, string? BaseModel, ParameterMap Parameters, long Line);

/// <summary>
/// A mergekit merge config (<c>mergekit/config.py</c> <c>MergeConfiguration</c>) as read from YAML. The <c>models:</c>
/// form is kept as one slice whose sources have no layer range (<see cref="FromModels"/>). <see cref="Tokenizer"/> is set by
/// either <c>tokenizer_source</c> (kept in <see cref="TokenizerSource"/> too) or the <c>tokenizer:</c> section; null
/// means neither: the base model's tokenizer files are copied and embedding rows merged by id, as mergekit does.
/// </summary>
public sealed record MergeConfig(
    string Path,
    string Method,
    long MethodLine,
    string? BaseModel,
    IReadOnlyList<SliceConfig> Slices,
    bool FromModels,
    ParameterMap Parameters,
    string? Dtype,
    string? OutDtype,
    string? TokenizerSource,
    string? ChatTemplate,
    string Text,
    TokenizerSettings? Tokenizer = null);
