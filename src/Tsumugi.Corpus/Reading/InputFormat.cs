namespace Tsumugi.Corpus.Reading;

/// <summary>Input formats, chosen by file extension (a trailing .gz/.zst is a compression layer).</summary>
public enum InputFormat
{
    Unknown,
    Text,
    Code,
    Html,
    JsonLines,
    Json,
    Parquet,
}
