namespace Tsumugi.Evaluation.Datasets;

/// <summary>
/// Turns one dataset's distributed raw files (downloaded by the user; nothing is fetched here) into llm-jp-eval's
/// evaluation files. <see cref="Prepare"/> returns one <see cref="EvalSplits"/> per output name (most datasets have
/// one; a translation corpus has one per direction).
/// </summary>
public interface IDatasetPreprocessor
{
    /// <summary>The name as llm-jp-eval spells it (<c>jcommonsenseqa</c>, <c>jnli</c>, …).</summary>
    string Name { get; }

    /// <summary>The evaluation file names (without .json) <see cref="Prepare"/> returns.</summary>
    IReadOnlyList<string> OutputNames { get; }

    /// <summary>Which raw files the preprocessor reads and where they come from, for <c>--list</c> and errors.</summary>
    string RawFilesHelp { get; }

    /// <summary>Reads the raw files in <paramref name="rawPath"/> (a folder, or the file itself for one-file datasets).</summary>
    IReadOnlyDictionary<string, EvalSplits> Prepare(string rawPath);
}
