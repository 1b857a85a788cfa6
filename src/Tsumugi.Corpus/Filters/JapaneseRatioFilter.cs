using Tsumugi.Corpus.Steps;
using Tsumugi.Corpus.Text;

namespace Tsumugi.Corpus.Filters;

/// <summary>
/// Swallow quality.py script ratios: hiragana / Japanese letters ≥ 0.2, katakana / Japanese letters ≤ 0.5,
/// Japanese letters / all letters ≥ 0.5 (Japanese letters = kana + kanji + kuten/toten).
/// </summary>
public sealed class JapaneseRatioFilter(double minHiragana = 0.2, double maxKatakana = 0.5, double minJapanese = 0.5) : IPipelineStep
{
    public string Name => "japanese_ratio";

    public string? Apply(Document doc)
    {
        int hira = 0, kata = 0, ja = 0, letters = 0;
        foreach (char c in doc.Text)
        {
            if (CharClass.IsHiragana(c)) { hira++; ja++; letters++; }
            else if (CharClass.IsKatakana(c)) { kata++; ja++; letters++; }
            else if (CharClass.IsKanji(c) || CharClass.IsKutenToten(c)) { ja++; letters++; }
            else if (char.IsLetterOrDigit(c)) letters++;
        }
        if (ja == 0) return "no Japanese letters";
        double h = (double)hira / ja, k = (double)kata / ja, j = letters == 0 ? 0 : (double)ja / letters;
        if (h < minHiragana) return $"hiragana ratio {h:F3} < {minHiragana}";
        if (k > maxKatakana) return $"katakana ratio {k:F3} > {maxKatakana}";
        if (j < minJapanese) return $"Japanese ratio {j:F3} < {minJapanese}";
        return null;
    }
}
