namespace Tsumugi.Tokenization.Spm;

/// <summary>
/// TrainerSpec: the training options recorded inside a `.model`. Loaders only read model_type, byte_fallback,
/// the meta piece ids/surfaces and treat_whitespace_as_suffix; the rest is provenance. Defaults are proto2 defaults.
/// </summary>
public sealed class SpmTrainerSpec
{
    public List<string> Input { get; set; } = [];
    public string ModelPrefix { get; set; } = "";
    public SpmModelType ModelType { get; set; } = SpmModelType.Unigram;
    public int VocabSize { get; set; } = 8000;
    public float CharacterCoverage { get; set; } = 0.9995f;
    public ulong InputSentenceSize { get; set; }
    public int SeedSentencepieceSize { get; set; } = 1_000_000;
    public float ShrinkingFactor { get; set; } = 0.75f;
    public int NumThreads { get; set; } = 16;
    public int NumSubIterations { get; set; } = 2;
    public int MaxSentenceLength { get; set; } = 4192;
    public bool ShuffleInputSentence { get; set; } = true;
    public int MaxSentencepieceLength { get; set; } = 16;
    public bool SplitByUnicodeScript { get; set; } = true;
    public bool SplitByWhitespace { get; set; } = true;
    public bool SplitByNumber { get; set; } = true;
    public bool TreatWhitespaceAsSuffix { get; set; }
    public bool SplitDigits { get; set; }
    public bool AllowWhitespaceOnlyPieces { get; set; }
    public List<string> ControlSymbols { get; set; } = [];
    public List<string> UserDefinedSymbols { get; set; } = [];
    public bool HardVocabLimit { get; set; } = true;
    public bool ByteFallback { get; set; }
    public string RequiredChars { get; set; } = "";
    public int UnkId { get; set; }
    public int BosId { get; set; } = 1;
    public int EosId { get; set; } = 2;
    public int PadId { get; set; } = -1;
    public string UnkSurface { get; set; } = " \u2047 ";
    public string UnkPiece { get; set; } = "<unk>";
    public string BosPiece { get; set; } = "<s>";
    public string EosPiece { get; set; } = "</s>";
    public string PadPiece { get; set; } = "<pad>";
    /// <summary>Fields this reader does not know (e.g. 53/54 from newer sentencepiece), kept verbatim.</summary>
    public byte[] UnknownFields { get; set; } = [];
}
