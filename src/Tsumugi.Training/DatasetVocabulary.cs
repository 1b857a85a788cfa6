using Tsumugi.Datasets;
using Tsumugi.Datasets.Curriculum;

namespace Tsumugi.Training;

/// <summary><c>model.vocab_size: auto</c>: the vocabulary a model needs to embed every id of a run's datasets.</summary>
public static class DatasetVocabulary
{
    /// <summary>The largest manifest <c>vocab_size</c>; for datasets without one (other tools'), max id + 1 rounded up to 64.</summary>
    public static int Infer(CurriculumConfig curriculum)
    {
        var size = 0;
        foreach (var spec in curriculum.Datasets)
        {
            var entry = DatasetManifest.EntryFor(spec.Path);
            size = Math.Max(size, entry is { VocabularySize: > 0 } ? entry.VocabularySize : ScanMaxId(spec.Path) + 1);
        }
        return size;
    }

    private static int ScanMaxId(string prefix)
    {
        IndexedDataset dataset;
        try
        {
            dataset = IndexedDataset.Open(prefix);
        }
        catch (IndexedDatasetException e)
        {
            throw new DataConfigException($"{prefix}: {e.Message}");
        }
        using (dataset)
        {
            var max = 0;
            var buffer = new int[1 << 16];
            for (var s = 0; s < dataset.SequenceCount; s++)
            {
                var length = dataset.GetLength(s);
                for (var offset = 0; offset < length; offset += buffer.Length)
                {
                    var span = buffer.AsSpan(0, Math.Min(buffer.Length, length - offset));
                    dataset.Read(s, offset, span);
                    foreach (var id in span) max = Math.Max(max, id);
                }
            }
            return (max + 64) / 64 * 64 - 1; // so that max + 1 is a multiple of 64
        }
    }
}
