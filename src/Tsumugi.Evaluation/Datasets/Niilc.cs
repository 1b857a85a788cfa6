using System.Xml;
using System.Xml.Linq;

namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// NIILC (CC BY-SA 4.0): llm-jp-eval's jaster/niilc.py. The XML has &lt;question&gt; elements with &lt;text&gt; and
/// &lt;answers&gt;&lt;answer&gt;…; several answers are joined with "," (empty ones dropped), and questions whose answer
/// is "-" (no answer) are skipped. llm-jp-eval reads the dev file as train/dev and the test file as test.
/// </summary>
public sealed class Niilc : TrainTestPreprocessor
{
    public override string Name => "niilc";
    public override string RawFilesHelp => "NIILC-ECQA2015_dev.xml and NIILC-ECQA2015_test.xml from github.com/mynlp/niilc-qa (data/)";
    protected override IReadOnlyList<string> TrainFiles => ["NIILC-ECQA2015_dev.xml", "niilc_dev.xml"];
    protected override IReadOnlyList<string> TestFiles => ["NIILC-ECQA2015_test.xml", "niilc_test.xml"];

    protected override EvalTaskInfo Info { get; } = new(
        "質問に対する答えを出力してください。回答の他には何も含めないことを厳守してください。答えが複数の場合、コンマ（,）で繋げてください。",
        180, ["char_f1"]);

    const string Expected = "NIILC XML: <questions><question><text>…</text><answers><answer>…</answer></answers></question>…";

    protected override IEnumerable<EvalSample> Read(string path)
    {
        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        var info = (IXmlLineInfo)reader;
        var sawRoot = false;
        while (true)
        {
            XElement question;
            RawLine at;
            try
            {
                if (!reader.Read()) break;
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (!sawRoot)
                {
                    sawRoot = true;
                    if (reader.Name != "questions") throw new RawLine(Name, path, $"line {info.LineNumber}", Expected).Error($"root element is <{reader.Name}>, not <questions>");
                    continue;
                }
                if (reader.Name != "question") continue;
                at = new RawLine(Name, path, $"line {info.LineNumber}", Expected);
                question = (XElement)XNode.ReadFrom(reader);
            }
            catch (XmlException e)
            {
                throw new RawLine(Name, path, $"line {e.LineNumber}", Expected).Error($"not well-formed XML ({e.Message})");
            }
            var text = question.Element("text") ?? throw at.Error("<question> has no <text>");
            var answers = question.Element("answers")?.Elements("answer").ToList() ?? throw at.Error("<question> has no <answers>");
            if (answers.Count == 0) throw at.Error("<answers> has no <answer>");
            // xmltodict strips text; a lone answer stays as is, several are joined without the empty ones.
            var answer = answers.Count == 1 ? answers[0].Value.Trim()
                : string.Join(",", answers.Select(a => a.Value.Trim()).Where(a => a.Length > 0));
            if (answer == "-") continue;
            yield return new EvalSample($"質問：{text.Value.Trim()}", answer);
        }
        if (!sawRoot) throw new RawLine(Name, path, "line 1", Expected).Error("no XML element found");
    }
}
