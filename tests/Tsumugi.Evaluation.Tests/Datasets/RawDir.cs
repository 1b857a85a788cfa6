using Tsumugi.Evaluation.Datasets;
using Tsumugi.Evaluation.Tasks;

namespace Tsumugi.Evaluation.Tests.Datasets;

/// <summary>A temporary folder of raw dataset files written by a test, and the checks every dataset test shares.</summary>
public sealed class RawDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("tsumugi-raw-").FullName;
    public void Dispose() => Directory.Delete(Path, recursive: true);

    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Prepares the one task a dataset yields, writes its three files and checks EvalTaskFile loads each.</summary>
    public EvalSplits Prepare(IDatasetPreprocessor preprocessor, string? rawPath = null)
    {
        var prepared = preprocessor.Prepare(rawPath ?? Path);
        var (name, splits) = Assert.Single(prepared);
        Assert.Equal(preprocessor.Name, name);
        var outDir = System.IO.Path.Combine(Path, "evaluation");
        foreach (var file in LlmJpEvalJson.WriteSplits(outDir, name, splits))
        {
            var task = EvalTaskFile.Load(file);
            Assert.Equal(name, task.Name);
            Assert.Equal(splits.Info.Instruction, task.Instruction);
            Assert.Equal(splits.Info.OutputLength, task.OutputLength);
        }
        return splits;
    }

    public static EvalSample S(string input, string output) => new(input, output);
}
