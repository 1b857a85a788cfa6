namespace Tsumugi.Corpus.Reading;

/// <summary>How .txt/.md files are split into documents.</summary>
public enum TextMode
{
    /// <summary>One document per file.</summary>
    File,
    /// <summary>One document per block of lines separated by blank lines.</summary>
    Paragraph,
}
