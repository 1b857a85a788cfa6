namespace Tsumugi.Tokenization.Spm;

/// <summary>One vocabulary entry of a SentencePiece model (ModelProto.SentencePiece).</summary>
public sealed record SpmPiece(string Piece, float Score, PieceType Type = PieceType.Normal);
