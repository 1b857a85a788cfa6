using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// Training options, named after sentencepiece's flags. Defaults: spm_train's nmt_nfkc normalization, then
/// Llama/llm-jp style dummy prefix, no whitespace collapsing (spm_train collapses; code needs its indentation) and
/// byte fallback on.
/// </summary>
public sealed class TrainerOptions
{
    public SpmModelType ModelType { get; set; } = SpmModelType.Unigram;
    public int VocabSize { get; set; } = 32000;
    public double CharacterCoverage { get; set; } = 0.9995;
    public bool ByteFallback { get; set; } = true;
    public bool SplitDigits { get; set; }
    public bool SplitByWhitespace { get; set; } = true;
    public bool SplitByUnicodeScript { get; set; } = true;
    public bool SplitByNumber { get; set; } = true;
    public bool AllowWhitespaceOnlyPieces { get; set; }
    public int MaxPieceLength { get; set; } = 16;
    public bool AddDummyPrefix { get; set; } = true;
    public bool RemoveExtraWhitespaces { get; set; }
    /// <summary>spm_train's normalization_rule_name: one of <see cref="Normalization.NormalizationRules.Names"/>.</summary>
    public string Normalization { get; set; } = Tokenization.Normalization.NormalizationRules.Default;
    /// <summary>
    /// A charsmap to use as is instead of building <see cref="Normalization"/>'s (merge/extend keep their base
    /// model's, whatever Unicode version built it).
    /// </summary>
    public byte[]? PrecompiledCharsmap { get; set; }
    /// <summary>
    /// spm_train's hard_vocab_limit: when the text supports fewer pieces than <see cref="VocabSize"/>, training fails
    /// naming the maximum (true), or writes the smaller vocabulary with a warning (false).
    /// </summary>
    public bool HardVocabLimit { get; set; } = true;
    public List<string> UserDefinedSymbols { get; set; } = [];
    public List<string> ControlSymbols { get; set; } = [];
    public string RequiredChars { get; set; } = "";
    /// <summary>Keep at most this many sentences (reservoir sampling with <see cref="Seed"/>); 0 = all.</summary>
    public int InputSentenceSize { get; set; }
    /// <summary>Longer lines are split at sentence ends (。．.!?！？ and newlines) rather than dropped.</summary>
    public int MaxSentenceBytes { get; set; } = 4192;
    public int Seed { get; set; } = 12345678;
    public int SeedPieceCount { get; set; } = 1_000_000;
    public double ShrinkingFactor { get; set; } = 0.75;
    public int NumSubIterations { get; set; } = 2;
    public int Threads { get; set; } = Environment.ProcessorCount;
    /// <summary>Progress messages (the library stays UI-free; the CLI renders them).</summary>
    public Action<string>? Log { get; set; }
}
