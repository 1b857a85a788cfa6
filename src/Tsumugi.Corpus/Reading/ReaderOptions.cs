using Tsumugi.Corpus.Html;

namespace Tsumugi.Corpus.Reading;

/// <summary>Reader settings (YAML section <c>reader:</c>).</summary>
public sealed class ReaderOptions
{
    /// <summary>JSON field holding the text in .jsonl/.json records.</summary>
    public string TextField { get; set; } = "text";

    /// <summary>Parquet column holding the text.</summary>
    public string ParquetColumn { get; set; } = "text";

    public TextMode TxtMode { get; set; } = TextMode.File;

    /// <summary>
    /// Documents (and JSONL lines) longer than this are reported as errored and skipped without ever being held in
    /// memory whole: this is what keeps memory bounded on a 200 MB single-line file.
    /// </summary>
    public int MaxDocChars { get; set; } = 8_000_000;

    /// <summary>Extract text from HTML (boilerplate removal); false keeps the raw markup.</summary>
    public bool ExtractHtml { get; set; } = true;

    public HtmlExtractorOptions Html { get; set; } = new();

    /// <summary>
    /// UTF-8 JSON lines are parsed from the file's bytes (<see cref="Utf8JsonRecord"/>). False decodes every line
    /// first, as before: not a config key, only the tests' reference for "same documents, same reports".
    /// </summary>
    internal bool JsonFromBytes { get; set; } = true;
}
