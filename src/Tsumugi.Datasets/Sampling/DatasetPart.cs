namespace Tsumugi.Datasets.Sampling;

/// <summary>Which documents of a dataset a source reads (see <see cref="SamplerOptions.ValidationFraction"/>).</summary>
public enum DatasetPart
{
    Train,
    Validation,
}
