using Tsumugi.Datasets;

namespace Tsumugi.Training.Tests.Support;

/// <summary>Small Megatron datasets written by the tests themselves, with a learnable structure so loss can fall.</summary>
public static class SyntheticDatasets
{
    public const int Vocabulary = 256;
    public const int Eos = 2;

    /// <summary>
    /// Documents that count upwards from a random start with a random stride (ids 3…255): the next token is
    /// predictable from the previous two, so a tiny model learns it within tens of steps.
    /// </summary>
    public static string Counting(string directory, string name = "counting", int documents = 400, int seed = 1, string domain = "ja")
    {
        var random = new Random(seed);
        return Write(directory, name, domain, Enumerable.Range(0, documents).Select(_ =>
        {
            var length = random.Next(20, 200);
            int start = random.Next(3, Vocabulary), stride = random.Next(1, 4);
            return Enumerable.Range(0, length).Select(i => 3 + (start + i * stride) % (Vocabulary - 3)).ToArray();
        }));
    }

    /// <summary>Uniformly random ids: unlearnable, so the loss on it stays near ln(vocab) — a loss spike after clean data.</summary>
    public static string Noise(string directory, string name = "noise", int documents = 200, int seed = 2, string domain = "noise")
    {
        var random = new Random(seed);
        return Write(directory, name, domain, Enumerable.Range(0, documents).Select(_ =>
            Enumerable.Range(0, random.Next(50, 200)).Select(_ => random.Next(3, Vocabulary)).ToArray()));
    }

    private static string Write(string directory, string name, string domain, IEnumerable<int[]> documents)
    {
        Directory.CreateDirectory(directory);
        var prefix = Path.Combine(directory, name);
        using var writer = new IndexedDatasetWriter(prefix, new IndexedDatasetWriterOptions { VocabularySize = Vocabulary, EosId = Eos, Domain = domain });
        foreach (var doc in documents) writer.Add(doc);
        writer.Complete();
        return prefix;
    }
}
