using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;
using Tsumugi.Tokenization.Trainers;

namespace Tsumugi.Training.Tests.Vocabulary;

/// <summary>
/// Trained once per test class: an old Unigram tokenizer on English plus a little Japanese (byte fallback on, so most
/// kanji are bytes), and its Swallow-style extension by Japanese pieces with the id map the extension computed.
/// </summary>
public sealed class TokenizerPair
{
    public const int Added = 120;

    public SpmTokenizer Old { get; }
    public SpmTokenizer New { get; }
    public SortedDictionary<int, int[]> IdMap { get; }

    public TokenizerPair()
    {
        var english = CorpusText.Lines("en", 40_000);
        var japanese = CorpusText.Lines("ja", 60_000);
        var old = UnigramTrainer.Train([.. english, .. japanese.Take(30)], new TrainerOptions { VocabSize = 700, Threads = 2 });
        var (extended, idMap) = VocabularyTools.Extend(old, japanese, Added, new TrainerOptions { Threads = 2 });
        Old = new SpmTokenizer(old);
        New = new SpmTokenizer(extended);
        IdMap = idMap;
    }

    /// <summary>A copy of the extended model with <paramref name="edit"/> applied to its piece list.</summary>
    public SpmTokenizer NewWith(Action<List<SpmPiece>> edit)
    {
        var copy = SpmModelIO.Parse(SpmModelIO.Serialize(New.Model));
        edit(copy.Pieces);
        copy.TrainerSpec.VocabSize = copy.Pieces.Count;
        return new SpmTokenizer(copy);
    }
}
