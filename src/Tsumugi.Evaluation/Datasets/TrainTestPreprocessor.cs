namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// The common llm-jp-eval shape: the dataset ships a train file and a test (validation) file; train is shuffled with
/// seed 42 and cut 90/10 into train/dev (<see cref="EvalSplits.FromTrainDev"/>), test keeps its order.
/// </summary>
public abstract class TrainTestPreprocessor : IDatasetPreprocessor
{
    public abstract string Name { get; }
    public IReadOnlyList<string> OutputNames => [Name];
    public abstract string RawFilesHelp { get; }

    protected abstract EvalTaskInfo Info { get; }

    /// <summary>Accepted names of the train file: upstream first, then llm-jp-eval's raw_files name.</summary>
    protected abstract IReadOnlyList<string> TrainFiles { get; }
    protected abstract IReadOnlyList<string> TestFiles { get; }

    /// <summary>The samples of one raw file, in file order.</summary>
    protected abstract IEnumerable<EvalSample> Read(string path);

    public IReadOnlyDictionary<string, EvalSplits> Prepare(string rawPath)
    {
        var train = RawFile.Find(Name, rawPath, TrainFiles, singleFileDataset: false, RawFilesHelp);
        var test = RawFile.Find(Name, rawPath, TestFiles, singleFileDataset: false, RawFilesHelp);
        return new Dictionary<string, EvalSplits> { [Name] = EvalSplits.FromTrainDev(Info, Read(train), Read(test).ToList()) };
    }
}
