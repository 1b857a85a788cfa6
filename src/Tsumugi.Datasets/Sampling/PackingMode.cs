namespace Tsumugi.Datasets.Sampling;

/// <summary>How documents become fixed-length training rows.</summary>
public enum PackingMode
{
    /// <summary>Megatron GPT style: documents (with EOS) concatenated and cut every seq_length tokens; rows overlap by one token.</summary>
    Concat,

    /// <summary>Best-Fit-Decreasing (Ding et al. 2024): documents that fit are never split, longer ones are chunked, slack is padded.</summary>
    BestFit,
}
