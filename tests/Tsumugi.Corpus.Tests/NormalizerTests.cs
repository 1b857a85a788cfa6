using Tsumugi.Corpus.Normalization;

namespace Tsumugi.Corpus.Tests;

public class NormalizerTests
{
    static Document Doc(string text) => new() { Id = "t", Text = text, Source = new DocumentSource("t", 1, 0) };

    static string Run(Steps.IPipelineStep step, string text)
    {
        var d = Doc(text);
        Assert.Null(step.Apply(d));
        return d.Text;
    }

    [Fact]
    public void Nfkc_TurnsFullWidthDigitsAndLettersHalfWidth()
    {
        Assert.Equal("ABC 123 ガ", Run(new TextNormalizer(), "ＡＢＣ　１２３ ｶﾞ"));
    }

    [Fact]
    public void WithoutNfkc_FullWidthAsciiStillHalfWidth_KatakanaUntouched()
    {
        Assert.Equal("ABC 123 ｶﾞ", Run(new TextNormalizer(nfkc: false), "ＡＢＣ　１２３ ｶﾞ"));
        Assert.Equal("ＡＢＣ", Run(new TextNormalizer(nfkc: false, fullwidthAscii: false, whitespace: false), "ＡＢＣ"));
    }

    [Fact]
    public void Whitespace_ControlCharsRemoved_BlankLinesCollapsed_IndentKept()
    {
        Assert.Equal("a\n\n    b\tc\nd", Run(new TextNormalizer(), "a\u0007  \r\n\r\n\n\n    b\tc\u200B\nd  \n\n"));
    }

    [Fact]
    public void Urls_RemovedOrReplaced()
    {
        Assert.Equal("詳細は を参照。", Run(new UrlRemover(), "詳細は https://example.com/a?b=1 を参照。"));
        Assert.Equal("see <URL> now", Run(new UrlRemover("<URL>"), "see www.example.org/x now"));
    }

    [Theory]
    [InlineData("06-1234-5678", "06-1234-XXXX")]
    [InlineData("連絡は075-123-4567 まで", "連絡は075-123-XXXX まで")]
    [InlineData("+81-80-1234-5678", "+81-80-1234-XXXX")]
    [InlineData("何かあれば hogehoge@example.ne.jp まで連絡", "何かあれば xxxx@yyy.jp まで連絡")]
    public void Pii_MaskedLikeHojiChar(string input, string expected) => Assert.Equal(expected, Run(new PiiMasker(), input));

    [Fact]
    public void BoilerplateLines_RemovedButDocumentAndCommandsKept()
    {
        var text = string.Join('\n',
            "企業情報 - 事業内容 - お問い合わせ",
            "ホーム > 製品 > 詳細",
            "本文の一行目です。ここは残ります。",
            "$ apt-get install -y foo-bar",
            "ページの先頭へ",
            "Copyright © 2024 Example Inc. All Rights Reserved.",
            "二行目の本文です。");
        Assert.Equal("本文の一行目です。ここは残ります。\n$ apt-get install -y foo-bar\n二行目の本文です。", Run(new BoilerplateLineRemover(), text));
    }
}
