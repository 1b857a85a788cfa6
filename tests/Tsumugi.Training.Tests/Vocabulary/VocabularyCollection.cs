namespace Tsumugi.Training.Tests.Vocabulary;

/// <summary>Test classes that share one trained <see cref="TokenizerPair"/> (training it takes a few seconds).</summary>
[CollectionDefinition(Name)]
public sealed class VocabularyCollection : ICollectionFixture<TokenizerPair>
{
    public const string Name = "vocabulary";
}
