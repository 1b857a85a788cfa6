namespace Tsumugi.Evaluation.Datasets;

/// <summary>One dataset's evaluation files: the shared header and the samples of each split, in llm-jp-eval's order.</summary>
public sealed record EvalSplits(EvalTaskInfo Info, IReadOnlyList<EvalSample> Train, IReadOnlyList<EvalSample> Dev, IReadOnlyList<EvalSample> Test)
{
    /// <summary>The split folder names llm-jp-eval writes under <c>evaluation/</c>, in this order.</summary>
    public static readonly IReadOnlyList<string> SplitNames = ["train", "dev", "test"];

    public IReadOnlyList<EvalSample> Split(string name) => name switch
    {
        "train" => Train,
        "dev" => Dev,
        "test" => Test,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "one of train, dev, test"),
    };

    /// <summary>
    /// llm-jp-eval's train/dev cut: <c>random.seed(42)</c>, <c>random.shuffle(train_dev_samples)</c>, then the first
    /// <c>int(len * 0.9)</c> samples are train and the rest dev. The test samples keep their file order.
    /// </summary>
    public static EvalSplits FromTrainDev(EvalTaskInfo info, IEnumerable<EvalSample> trainDev, IReadOnlyList<EvalSample> test)
    {
        var shuffled = trainDev.ToList();
        new PythonRandom(42).Shuffle(shuffled);
        int cut = (int)(shuffled.Count * 0.9);
        return new EvalSplits(info, shuffled[..cut], shuffled[cut..], test);
    }
}
