using Tsumugi.Datasets;

namespace Tsumugi.Datasets.Tests;

/// <summary>Small datasets with recognisable tokens: document d holds ids derived from d so rows can be traced back.</summary>
public static class TestData
{
    /// <summary>Document d = [d*100+1, d*100+2, …] of the given length (ids stay below 65,500 for d &lt; 600).</summary>
    public static int[] Document(int d, int length) => Enumerable.Range(1, length).Select(i => d * 100 + i % 100).ToArray();

    public static string Write(string directory, string name, IReadOnlyList<int[]> documents, int vocab = 60_000, int? eos = 0)
    {
        var prefix = Path.Combine(directory, name);
        using var writer = new IndexedDatasetWriter(prefix, new IndexedDatasetWriterOptions { VocabularySize = vocab, EosId = eos, Domain = name });
        foreach (var d in documents) writer.Add(d);
        writer.Complete();
        return prefix;
    }

    /// <summary>Documents of pseudo-random lengths in [1, maxLength].</summary>
    public static List<int[]> RandomDocuments(int count, int maxLength, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(d => Document(d, random.Next(1, maxLength + 1))).ToList();
    }
}
