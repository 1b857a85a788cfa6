namespace Tsumugi.Datasets.Sft;

/// <summary>What happens to an example longer than the sequence length (YAML <c>data.overlong</c>).</summary>
public enum SftOverlong
{
    /// <summary>Keep its first seq_length tokens (TRL's default; counted in the report).</summary>
    Truncate,

    /// <summary>Leave it out (counted as <c>too_long</c>).</summary>
    Skip,
}
