namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// JaNLI (CC BY-SA 4.0): llm-jp-eval's jaster/janli.py. One TSV (janli.tsv) with a header; columns 1-3 are
/// sentence_A_Ja, sentence_B_Ja and entailment_label_Ja, and the last column names the split: rows marked "test" are
/// the test set, all others are shuffled into train/dev.
/// </summary>
public sealed class Janli : IDatasetPreprocessor
{
    public string Name => "janli";
    public IReadOnlyList<string> OutputNames => [Name];
    public string RawFilesHelp => "JaNLI's janli.tsv (github.com/verypluming/JaNLI)";

    static readonly EvalTaskInfo Info = new(
        "前提と仮説の関係をentailment、non-entailmentの中から回答してください。それ以外には何も含めないことを厳守してください。\n\n制約：\n- 前提に対して仮説が同じ意味を含む場合は、entailmentと出力\n- 前提に対して仮説が異なる意味を含む場合は、non-entailmentと出力",
        7, ["exact_match"]);

    const string Expected = "JaNLI's janli.tsv: a header line naming sentence_A_Ja, sentence_B_Ja, entailment_label_Ja and split";

    public IReadOnlyDictionary<string, EvalSplits> Prepare(string rawPath)
    {
        var path = RawFile.Find(Name, rawPath, ["janli.tsv"], singleFileDataset: true, RawFilesHelp);
        var trainDev = new List<EvalSample>();
        var test = new List<EvalSample>();
        foreach (var row in RawTsv.Rows(Name, path, Expected, ["sentence_A_Ja", "sentence_B_Ja", "entailment_label_Ja", "split"]))
        {
            var sample = new EvalSample($"前提：{row["sentence_A_Ja"]}\n仮説：{row["sentence_B_Ja"]}", row["entailment_label_Ja"]);
            (row["split"].Trim() == "test" ? test : trainDev).Add(sample);
        }
        return new Dictionary<string, EvalSplits> { [Name] = EvalSplits.FromTrainDev(Info, trainDev, test) };
    }
}
