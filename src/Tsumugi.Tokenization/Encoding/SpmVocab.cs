using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// Lookup tables derived from a model, mirroring spm's split: NORMAL, USER_DEFINED and UNUSED pieces go into the
/// matching trie; UNKNOWN, CONTROL and BYTE pieces are reserved and only reachable by id. min/max scores are over
/// NORMAL pieces only, as in unigram_model.cc.
/// </summary>
sealed class SpmVocab
{
    public readonly ByteTrie Trie = new();
    public readonly ByteTrie? UserDefinedTrie;
    public readonly float[] Scores;
    public readonly bool[] IsUnused, IsUserDefined;
    public readonly int[] ByteIds = new int[256];
    public readonly float MinScore, MaxScore;
    public readonly int UnkId;

    public SpmVocab(SpmModel model)
    {
        int n = model.Pieces.Count;
        Scores = new float[n]; IsUnused = new bool[n]; IsUserDefined = new bool[n];
        Array.Fill(ByteIds, -1);
        float min = float.MaxValue, max = float.MinValue;
        ByteTrie? ud = null;
        for (int i = 0; i < n; i++)
        {
            var p = model.Pieces[i];
            Scores[i] = p.Score;
            var utf8 = System.Text.Encoding.UTF8.GetBytes(p.Piece);
            switch (p.Type)
            {
                case PieceType.Normal:
                    min = Math.Min(min, p.Score); max = Math.Max(max, p.Score);
                    Trie.Add(utf8, i);
                    break;
                case PieceType.UserDefined:
                    IsUserDefined[i] = true;
                    Trie.Add(utf8, i);
                    (ud ??= new ByteTrie()).Add(utf8, i);
                    break;
                case PieceType.Unused:
                    IsUnused[i] = true;
                    Trie.Add(utf8, i);
                    break;
                case PieceType.Unknown:
                    UnkId = i;
                    break;
                case PieceType.Byte:
                    ByteIds[ParseBytePiece(p.Piece)] = i;
                    break;
            }
        }
        UserDefinedTrie = ud;
        MinScore = min; MaxScore = max;
    }

    public static int ParseBytePiece(string piece)
    {
        if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>'
            || !byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
            throw new InvalidDataException($"byte piece '{piece}' is not of the form <0xNN>");
        return b;
    }
}
