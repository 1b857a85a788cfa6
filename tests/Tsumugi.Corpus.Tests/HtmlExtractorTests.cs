using AngleSharp.Html.Parser;
using Tsumugi.Corpus.Html;

namespace Tsumugi.Corpus.Tests;

public class HtmlExtractorTests
{
    [Fact]
    public void CraftedPage_BoilerplateGone_BodyStructureKept()
    {
        const string html = """
            <html><head><title>製品紹介</title><script>var x = "スクリプト";</script><style>p{}</style></head><body>
            <header><h1>サイト名ヘッダー</h1></header>
            <nav><a href="/">ホーム</a> <a href="/a">企業情報</a></nav>
            <div class="breadcrumb"><a href="/">トップ</a> &gt; <a href="/p">製品</a></div>
            <ul class="links"><li><a href="/1">リンク一</a></li><li><a href="/2">リンク二</a></li><li><a href="/3">リンク三</a></li></ul>
            <h2>見出しです</h2>
            <p>最初の段落です。   空白は
               まとめられます。</p>
            <p>二番目の段落に<a href="/x">一つのリンク</a>を含む長めの本文があります。ここは本文なので残ります。</p>
            <ul><li>項目一</li><li>項目二</li></ul>
            <table><tr><td>セルA</td><td>セルB</td></tr></table>
            <pre>def f(x):
                return x  # 字下げを保つ</pre>
            <aside>関連記事の一覧</aside>
            <footer>Copyright 会社</footer>
            </body></html>
            """;
        var r = new HtmlExtractor().Extract(html);
        Assert.Equal("製品紹介", r.Title);
        foreach (var gone in new[] { "スクリプト", "サイト名ヘッダー", "企業情報", "トップ", "リンク一", "関連記事", "Copyright", "p{}" })
            Assert.DoesNotContain(gone, r.Text);
        Assert.Contains("見出しです\n\n最初の段落です。 空白は まとめられます。\n\n二番目の段落に一つのリンクを含む", r.Text);
        Assert.Contains("項目一\n項目二", r.Text);
        Assert.Contains("セルA", r.Text);
        Assert.Contains("セルB", r.Text);
        Assert.Contains("def f(x):\n    return x  # 字下げを保つ", r.Text); // the raw literal strips 12 spaces of indent
    }

    [Fact]
    public void RealDebianPages_NavigationGone_BodyKept()
    {
        var dir = Path.Combine(RepoPaths.SharedCorpus, "ja", "debian-faq-ja");
        var page = File.ReadAllText(Path.Combine(dir, "compatibility.ja.html"));
        var text = new HtmlExtractor().Extract(page).Text;
        // The chapter's first question is both a table-of-contents link and a section heading: only the heading stays.
        const string question = "Debian GNU/Linux はどのハードウェアアーキテクチャ/システムで動作しますか?";
        Assert.Equal(1, Count(text, question));
        // Previous/next chapter titles live only in the navigation header/footer.
        Assert.DoesNotContain("第3章 Debian ディストリビューションの選択", text);
        Assert.DoesNotContain("第5章 Debian システムで利用可能なソフトウェア", text);
        Assert.True(text.Length > 3000, $"body too short: {text.Length}");
    }

    [Fact]
    public void RealDebianPages_CodeBlocksKeptVerbatim()
    {
        var path = Path.Combine(RepoPaths.SharedCorpus, "ja", "debian-reference-ja", "ch01.ja.html");
        var html = File.ReadAllText(path);
        var text = new HtmlExtractor().Extract(html).Text;
        // Read the <pre> blocks with an independent parse and check each multi-line one survives unchanged.
        var pres = new HtmlParser().ParseDocument(html).QuerySelectorAll("pre").Select(p => p.TextContent.Trim('\n'))
            .Where(p => p.Contains('\n')).ToList();
        Assert.NotEmpty(pres);
        foreach (var pre in pres) Assert.Contains(pre, text);
    }

    [Fact]
    public void GimpHelp_GuiMenuNamesAreBodyText()
    {
        const string html = "<body><p>メニューから <span class=\"guimenu\">フィルター</span> を選びます。</p></body>";
        Assert.Contains("フィルター", new HtmlExtractor().Extract(html).Text);
    }

    static int Count(string s, string sub)
    {
        int n = 0;
        for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    [Fact]
    public void HiddenByStyle_SpacesAndCaseIgnored()
    {
        var x = new Html.HtmlExtractor();
        string Text(string style) => x.Extract($"<body><p>見える</p><div style=\"{style}\"><p>隠れる</p></div></body>").Text;
        Assert.Equal("見える", Text("display:none"));
        Assert.Equal("見える", Text("color: red; DISPLAY : None ;"));
        Assert.Equal("見える", Text("  d i s p l a y:none"));
        Assert.Equal("見える\n\n隠れる", Text("display:block"));
        Assert.Equal("見える\n\n隠れる", Text("display:\tnone"));  // only spaces are ignored
        Assert.Equal("見える\n\n隠れる", Text("display:non"));
    }

    [Fact]
    public void BoilerplateClassNames_MatchWholeSegmentsOnly()
    {
        var x = new Html.HtmlExtractor();
        string Text(string attr) => x.Extract($"<body><p>本文</p><div {attr}><p>部品</p></div></body>").Text;
        Assert.Equal("本文", Text("class=\"site-nav\""));
        Assert.Equal("本文", Text("class=\"a  b_SIDEBAR\""));
        Assert.Equal("本文", Text("id=\"footer\""));
        Assert.Equal("本文\n\n部品", Text("class=\"navigate guimenu\""));
        Assert.Equal("本文\n\n部品", Text("class=\"nav\tx\""));  // tokens split on spaces, segments on - and _
        Assert.Equal("本文\n\n部品", Text("class=\"--\""));
    }

    [Fact]
    public void OneExtractor_ManyPages_NothingCarriesOver()
    {
        var x = new Html.HtmlExtractor();
        var first = x.Extract("<body><p>一つ目の  ページ</p><ul><li>項目</li>").Text;
        var second = x.Extract("<body>二つ目</body>").Text;
        Assert.Equal("一つ目の ページ\n\n項目", first);
        Assert.Equal("二つ目", second);
        Assert.Equal(second, new Html.HtmlExtractor().Extract("<body>二つ目</body>").Text);
        Assert.Equal("", x.Extract("<body>  \n </body>").Text);
    }
}
