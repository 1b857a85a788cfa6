namespace Tsumugi.Tokenization.Spm;

/// <summary>SentencePiece piece types; numeric values are the protobuf enum values.</summary>
public enum PieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}
