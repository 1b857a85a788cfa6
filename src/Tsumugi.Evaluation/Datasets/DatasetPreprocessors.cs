namespace Tsumugi.Evaluation.Datasets;

/// <summary>The supported llm-jp-eval datasets, found by the name llm-jp-eval gives them (or any of their output names).</summary>
public static class DatasetPreprocessors
{
    public static IReadOnlyList<IDatasetPreprocessor> All { get; } =
    [
        new JCommonsenseQA(), new JemhopQA(), new Niilc(), new JSquad(), new Jnli(), new Janli(), new Jsick(), new Jamp(),
    ];

    public static IDatasetPreprocessor? Find(string name) =>
        All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || p.OutputNames.Contains(name, StringComparer.OrdinalIgnoreCase));
}
