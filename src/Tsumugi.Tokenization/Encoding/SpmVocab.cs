using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// Lookup tables derived from a model, mirroring spm's split: NORMAL, USER_DEFINED and UNUSED pieces go into the
/// matching trie; UNKNOWN, CONTROL and BYTE pieces are reserved and only reachable by id. min/max scores are over
/// NORMAL pieces only, as in unigram_model.cc.
/// </summary>
sealed class SpmVocab
{
    /// <summary>BPE's piece lookup (null for Unigram models).</summary>
    public readonly ByteTrie? Trie;
    /// <summary>
    /// Unigram's matching trie as a double array (null for BPE models); each node's payload is (id, Viterbi score),
    /// id -1 for UNUSED. Only the structure the model type needs is built: loading is part of every CLI run.
    /// </summary>
    public readonly DoubleArrayTrie? Lattice;
    public readonly ByteTrie? UserDefinedTrie;
    public readonly float[] Scores;
    public readonly bool[] IsUnused, IsUserDefined;
    public readonly int[] ByteIds = new int[256];
    public readonly float MinScore, MaxScore;
    public readonly int UnkId;

    // Once per load over every piece: precompiled (ReadyToRun) in the CLI's Release build (Tsumugi.Cli.csproj),
    // which starts sooner than an AggressiveOptimization JIT at the first call (load is part of each CLI run).
    public SpmVocab(SpmModel model)
    {
        int n = model.Pieces.Count;
        Scores = new float[n]; IsUnused = new bool[n]; IsUserDefined = new bool[n];
        Array.Fill(ByteIds, -1);
        float min = float.MaxValue, max = float.MinValue;
        ByteTrie? ud = null;
        bool bpe = model.TrainerSpec.ModelType == SpmModelType.Bpe;
        var trie = bpe ? new ByteTrie() : null;
        var utf8s = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            var p = model.Pieces[i];
            Scores[i] = p.Score;
            var utf8 = utf8s[i] = System.Text.Encoding.UTF8.GetBytes(p.Piece);
            switch (p.Type)
            {
                case PieceType.Normal:
                    min = Math.Min(min, p.Score); max = Math.Max(max, p.Score);
                    trie?.Add(utf8, i);
                    break;
                case PieceType.UserDefined:
                    IsUserDefined[i] = true;
                    trie?.Add(utf8, i);
                    (ud ??= new ByteTrie()).Add(utf8, i);
                    break;
                case PieceType.Unused:
                    IsUnused[i] = true;
                    trie?.Add(utf8, i);
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
        Trie = trie;
        if (bpe) return;
        // spm scores a user-defined piece as length * max_score - 0.1 (a double expression); a NORMAL piece as its float.
        var entries = new List<(byte[], int, double)>(n);
        for (int i = 0; i < n; i++)
        {
            var p = model.Pieces[i];
            if (p.Type is not (PieceType.Normal or PieceType.UserDefined or PieceType.Unused)) continue;
            var utf8 = utf8s[i];
            entries.Add(p.Type switch
            {
                PieceType.UserDefined => (utf8, i, utf8.Length * (double)max - 0.1),
                PieceType.Unused => (utf8, -1, 0),
                _ => (utf8, i, (double)p.Score),
            });
        }
        Lattice = new DoubleArrayTrie(entries);
    }

    public static int ParseBytePiece(string piece)
    {
        if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>'
            || !byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
            throw new InvalidDataException($"byte piece '{piece}' is not of the form <0xNN>");
        return b;
    }
}
