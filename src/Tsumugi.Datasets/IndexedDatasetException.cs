namespace Tsumugi.Datasets;

/// <summary>A Megatron indexed dataset that cannot be read: names the file and the field at fault.</summary>
public sealed class IndexedDatasetException : Exception
{
    public IndexedDatasetException(string filePath, string field, string problem)
        : base($"{filePath}: {field}: {problem}")
    {
        FilePath = filePath;
        Field = field;
    }

    /// <summary>The <c>.idx</c> or <c>.bin</c> file.</summary>
    public string FilePath { get; }

    /// <summary>The layout field (e.g. <c>magic</c>, <c>version</c>, <c>sequence_pointers</c>).</summary>
    public string Field { get; }
}
