using System.Text.RegularExpressions;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// lm_eval/api/metrics.py <c>exact_match_hf_evaluate</c>: each regex of regexes_to_ignore is removed (re.sub, every
/// match) from prediction and reference alike, then optionally both are lower-cased and stripped of
/// <c>string.punctuation</c> (ASCII only); the score is 1 when the strings are then equal. With several references
/// (TriviaQA's aliases) any one matching scores 1.
/// </summary>
public sealed record HarnessExactMatch(bool IgnoreCase, bool IgnorePunctuation, IReadOnlyList<string> RegexesToIgnore)
{
    /// <summary>Python's string.punctuation.</summary>
    public const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>gsm8k.yaml v3.0: ignore_case, regexes_to_ignore [",", "\$", "(?s).*#### ", "\.$"].</summary>
    public static readonly HarnessExactMatch Gsm8k = new(true, false, [",", @"\$", "(?s).*#### ", @"\.$"]);

    /// <summary>triviaqa/default.yaml: ignore_case, ignore_punctuation.</summary>
    public static readonly HarnessExactMatch TriviaQa = new(true, true, []);

    readonly Regex[] _ignore = RegexesToIgnore.Select(r => new Regex(r, RegexOptions.CultureInvariant)).ToArray();

    public string Normalize(string text)
    {
        foreach (var regex in _ignore) text = regex.Replace(text, "");
        if (IgnoreCase) text = PythonCase.Lower(text); // np.char.lower is str.lower
        if (IgnorePunctuation) text = string.Concat(text.Where(c => !Punctuation.Contains(c)));
        return text;
    }

    public double Score(string prediction, IEnumerable<string> references)
    {
        var p = Normalize(prediction);
        return references.Any(r => Normalize(r) == p) ? 1 : 0;
    }
}
