namespace Tsumugi.Tokenization.Spm;

/// <summary>trainer_spec.model_type; numeric values are the protobuf enum values.</summary>
public enum SpmModelType
{
    Unigram = 1,
    Bpe = 2,
    Word = 3,
    Char = 4,
}
