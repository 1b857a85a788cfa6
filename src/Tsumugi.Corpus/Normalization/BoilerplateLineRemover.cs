using System.Text;
using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Normalization;

/// <summary>
/// Drops boilerplate lines without dropping the document (step <c>boilerplate_lines</c>): breadcrumb/menu lines
/// (several short segments joined by &gt; » › | ｜ / - ・, e.g. 「企業情報 - 事業内容 - お問い合わせ」), copyright
/// lines, and short lines made of share-button / page-navigation phrases (Team Hatakeyama's broken-ending list and
/// Swallow's footer keywords, condensed).
/// </summary>
public sealed class BoilerplateLineRemover : IPipelineStep
{
    static readonly string[] DefaultPhrases =
    [
        "ページの先頭へ", "ページトップへ", "ページ上部へ", "上へ戻る", "トップへ戻る", "トップに戻る", "一覧に戻る", "一覧へ戻る",
        "前の記事", "次の記事", "関連記事", "続きを読む", "もっと見る", "シェアする", "ツイート", "はてなブックマーク",
        "LINEで送る", "Pocket", "いいね！", "このページを印刷", "プライバシーポリシー", "利用規約", "サイトマップ",
        "会社概要", "お問い合わせ", "ログイン", "新規会員登録", "無断転載を禁じ", "All Rights Reserved", "Copyright",
        "Share this", "Back to top", "Skip to content", "Read more",
    ];

    // Arrows and bars separate crumbs on their own; '-', '/' and '・' also occur inside words and commands, so they
    // count only with a space on both sides.
    static readonly char[] StrongSeparators = ['>', '»', '›', '|', '｜', '＞', '→'];
    static readonly char[] WeakSeparators = ['/', '-', '・'];

    readonly string[] _phrases;
    readonly int _maxLineChars;
    readonly StringBuilder _sb = new();

    public BoilerplateLineRemover(IEnumerable<string>? extraPhrases = null, int maxLineChars = 60)
    {
        _phrases = [.. DefaultPhrases, .. extraPhrases ?? []];
        _maxLineChars = maxLineChars;
    }

    public string Name => "boilerplate_lines";

    public string? Apply(Document doc)
    {
        var text = doc.Text;
        var sb = _sb.Clear();
        bool changed = false;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan(range.Start.Value, range.End.Value - range.Start.Value);
            if (IsBoilerplate(line)) { changed = true; continue; }
            if (sb.Length > 0) sb.Append('\n');
            sb.Append(line);
        }
        if (changed) doc.Text = sb.ToString();
        return null;
    }

    public bool IsBoilerplate(ReadOnlySpan<char> line)
    {
        var t = line.Trim();
        if (t.Length == 0) return false;
        // Length tests before the case-insensitive searches: on Japanese text OrdinalIgnoreCase takes the slow
        // (non-ASCII) path, and most lines are too long for most phrases.
        if (t.Contains('©') || t.Length <= 200 && t.Contains("Copyright", StringComparison.OrdinalIgnoreCase))
            return true;
        if (t.Length > _maxLineChars) return false;
        foreach (var p in _phrases)
            if (t.Length <= p.Length + 12 && t.Contains(p, StringComparison.OrdinalIgnoreCase)) return true;
        return IsBreadcrumb(t);
    }

    /// <summary>Three or more short segments joined by separators, with no sentence punctuation.</summary>
    static bool IsBreadcrumb(ReadOnlySpan<char> t)
    {
        if (t.IndexOfAny('。', '、', '.') >= 0 && t.IndexOfAny('>', '»', '›') < 0) return false;
        int segments = 0, longest = 0, current = 0, separators = 0;
        for (int i = 0; i < t.Length; i++)
        {
            char c = t[i];
            bool strong = Array.IndexOf(StrongSeparators, c) >= 0;
            bool weak = !strong && Array.IndexOf(WeakSeparators, c) >= 0 && i > 0 && i + 1 < t.Length && t[i - 1] == ' ' && t[i + 1] == ' ';
            if (strong || weak)
            {
                separators++;
                if (current > 0) segments++;
                longest = Math.Max(longest, current);
                current = 0;
                continue;
            }
            if (c != ' ') current++;
        }
        if (current > 0) segments++;
        longest = Math.Max(longest, current);
        return separators >= 2 && segments >= 3 && longest <= 15;
    }
}
