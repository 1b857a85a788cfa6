namespace Tsumugi.Datasets.Sampling;

/// <summary>Creates the sample source for a packing mode.</summary>
public static class SampleSources
{
    public static ISampleSource Create(IndexedDataset dataset, SamplerOptions options, string name, int datasetIndex, DatasetPart part = DatasetPart.Train) => options.Packing switch
    {
        PackingMode.Concat => new ConcatChunkSource(dataset, options, name, datasetIndex, part),
        PackingMode.BestFit => new BestFitSource(dataset, options, name, datasetIndex, part),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Packing, "unknown packing mode"),
    };
}
