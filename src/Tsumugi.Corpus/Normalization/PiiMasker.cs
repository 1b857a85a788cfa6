using System.Text.RegularExpressions;
using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Normalization;

/// <summary>
/// Masks personal information (step <c>pii</c>) exactly like HojiChar's MaskPersonalInformation: the last four
/// digits of Japanese phone numbers become XXXX, e-mail addresses become xxxx@yyy.&lt;tld&gt;.
/// </summary>
public sealed partial class PiiMasker(bool phones = true, bool emails = true) : IPipelineStep
{
    [GeneratedRegex(@"((0|\+\d{1,3}[- ]?)(\d{2}[- ]?\d{4}[- ]?|\d[- ]?\d{4}[- ]?|\d{2}[- ]?\d{3}[- ]?|\d{3}[- ]?\d{2}[- ]?|\d{4}[- ]?\d{1}[- ]?))\d{4}")]
    private static partial Regex Phone();

    [GeneratedRegex(@"[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~.]+@[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+(\.[A-Za-z0-9\-]+)")]
    private static partial Regex Email();

    public string Name => "pii";

    public string? Apply(Document doc)
    {
        var text = doc.Text;
        if (phones) text = Phone().Replace(text, "${1}XXXX");
        if (emails && text.Contains('@')) text = Email().Replace(text, "xxxx@yyy$1");
        doc.Text = text;
        return null;
    }
}
