using Tsumugi.Evaluation.Datasets;
using static Tsumugi.Evaluation.Tests.Datasets.RawDir;

namespace Tsumugi.Evaluation.Tests.Datasets;

/// <summary>llm-jp-eval jaster/niilc.py: "質問：{text}" → answers joined with ",", "-" answers skipped; the dev XML is
/// train/dev, the test XML is test; output_length 180, char_f1.</summary>
public sealed class NiilcTests : IDisposable
{
    readonly RawDir _raw = new();
    public void Dispose() => _raw.Dispose();

    static string Xml(params string[] questions) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<questions>\n" + string.Concat(questions) + "</questions>\n";

    static string Q(string text, params string[] answers) =>
        $"  <question id=\"NIILC-ECQA2015-00001-01\">\n    <text>{text}</text>\n    <answers>\n"
        + string.Concat(answers.Select(a => a.Length == 0 ? "      <answer/>\n" : $"      <answer>{a}</answer>\n"))
        + "    </answers>\n    <meta><A.1>x</A.1></meta>\n  </question>\n";

    [Fact]
    public void AnswersAreJoinedAndUnanswerableQuestionsSkipped()
    {
        _raw.Write("NIILC-ECQA2015_dev.xml", Xml(
            Q("日本三景はどこ？", "松島", "", "天橋立", "宮島"),
            Q("答えのない質問は？", "-"),
            Q("富士山の高さは？", "3776メートル"),
            Q("日本の首都は？", "東京")));
        _raw.Write("NIILC-ECQA2015_test.xml", Xml(Q("琵琶湖はどこの県？", "滋賀県")));
        var splits = _raw.Prepare(new Niilc());
        // Three samples survive; shuffle(range(3)) with seed 42 == [1, 0, 2]; int(3 * 0.9) == 2.
        Assert.Equal([S("質問：富士山の高さは？", "3776メートル"), S("質問：日本三景はどこ？", "松島,天橋立,宮島")], splits.Train);
        Assert.Equal([S("質問：日本の首都は？", "東京")], splits.Dev);
        Assert.Equal([S("質問：琵琶湖はどこの県？", "滋賀県")], splits.Test);
        Assert.Equal((180, "char_f1"), (splits.Info.OutputLength, splits.Info.Metrics.Single()));
    }

    [Fact]
    public void AQuestionWithoutAnswersNamesItsLine()
    {
        var dev = _raw.Write("niilc_dev.xml", "<questions>\n  <question id=\"1\">\n    <text>問</text>\n  </question>\n</questions>\n");
        _raw.Write("niilc_test.xml", Xml(Q("問", "答")));
        var e = Assert.Throws<InvalidDataException>(() => new Niilc().Prepare(_raw.Path));
        Assert.StartsWith($"niilc: {dev} line 2: <question> has no <answers>.", e.Message);
    }

    [Fact]
    public void AnotherXmlRootIsRejected()
    {
        var dev = _raw.Write("niilc_dev.xml", "<?xml version=\"1.0\"?>\n<root><item/></root>\n");
        _raw.Write("niilc_test.xml", Xml(Q("問", "答")));
        var e = Assert.Throws<InvalidDataException>(() => new Niilc().Prepare(_raw.Path));
        Assert.StartsWith($"niilc: {dev} line 2: root element is <root>, not <questions>.", e.Message);
    }
}
