using Tsumugi.Evaluation.Scoring;
using Tsumugi.Modeling;

namespace Tsumugi.Evaluation.Tests;

/// <summary>Rows sharing a prefix are scored over one computation of it, with the same log-probabilities as alone.</summary>
public sealed class PrefixSharingTests(TinyEvalModel tiny) : IClassFixture<TinyEvalModel>
{
    static ScoreRequest Row(long[] ids, int scoreFrom) => new(ids, scoreFrom);

    static long[] Ids(params int[] ids) => ids.Select(i => (long)i).ToArray();

    [Fact]
    public void GroupsRowsWithACommonPrefixThatEndsBeforeTheFirstScoredToken()
    {
        var context = Enumerable.Range(1, 12).ToArray();
        var requests = new[]
        {
            Row(Ids([.. context, 40, 41]), 12), // row 0: scored from position 12, so the prefix can hold at most 11 tokens
            Row(Ids(50, 51, 52, 53, 54, 55, 56, 57, 58, 59), 5), // nothing in common with the others
            Row(Ids([.. context, 42]), 12),
            Row(Ids([.. context, 43, 44, 45]), 10), // scored from 10 → prefix ≤ 9 for any group holding it
        };
        var (groups, single) = PrefixGroups.Find(requests, maxRows: 8);
        var group = Assert.Single(groups);
        Assert.Equal([0, 2, 3], group.Rows.Order());
        Assert.Equal(9, group.Prefix);
        Assert.Equal([1], single);

        // At most maxRows per group; what is left over of a run of shared rows stays single when alone.
        (groups, single) = PrefixGroups.Find(requests, maxRows: 2);
        Assert.Equal(2, Assert.Single(groups).Rows.Length);
        Assert.Equal(2, single.Count);
        Assert.True(single.SequenceEqual(single.Order()), "single rows keep request order");

        // Batch size 1 means no sharing; a shared prefix shorter than MinPrefix is not worth a second pass.
        Assert.Empty(PrefixGroups.Find(requests, maxRows: 1).Groups);
        var shortShared = new[] { Row(Ids(1, 2, 3, 4, 5), 3), Row(Ids(1, 2, 3, 6, 7), 3) };
        Assert.Empty(PrefixGroups.Find(shortShared, maxRows: 8).Groups);
    }

    [Fact]
    public void SharedPrefixScoresEqualEachRowScoredAlone()
    {
        var rng = new Random(7);
        int vocab = (int)tiny.Eval.Model.Config.VocabSize;
        long[] Random(int n) => Enumerable.Range(0, n).Select(_ => (long)rng.Next(3, vocab)).ToArray();
        var context = Random(30);
        var requests = new List<ScoreRequest>();
        for (int i = 0; i < 6; i++) requests.Add(Row([.. context, .. Random(1 + i)], 31 - i % 3)); // continuations of 1..6 tokens
        requests.Add(Row(Random(20), 4)); // an unrelated row between them
        requests.Add(Row([.. context[..20], .. Random(5)], 21)); // shares 20 tokens only

        var (groups, _) = PrefixGroups.Find(requests, 8);
        Assert.NotEmpty(groups); // the shared path is the one under test
        var shared = BatchScorer.Score(tiny.Eval.Model, requests, batchSize: 8);
        var alone = BatchScorer.Score(tiny.Eval.Model, requests, batchSize: 1);
        for (int i = 0; i < requests.Count; i++)
        {
            var reference = SequenceScorer.Score(tiny.Eval.Model, requests[i].Ids).Tokens.Skip(requests[i].ScoreFrom - 1).Select(t => t.LogProb).ToArray();
            Assert.Equal(reference.Length, shared[i].Length);
            for (int j = 0; j < reference.Length; j++)
            {
                Assert.Equal(reference[j], shared[i][j], 1e-4);
                Assert.Equal(reference[j], alone[i][j], 1e-4);
            }
        }
    }

    [Fact]
    public void ASlidingWindowModelSharesPrefixesLongerThanItsWindow()
    {
        var config = ModelPresets.Get("tiny");
        config.VocabSize = tiny.Eval.Model.Config.VocabSize;
        config.SlidingWindow = 8;
        using var model = new LlamaForCausalLM(config);
        model.InitializeWeights(11);
        model.eval();
        var rng = new Random(3);
        long[] Random(int n) => Enumerable.Range(0, n).Select(_ => (long)rng.Next(3, (int)config.VocabSize)).ToArray();
        var context = Random(20);
        var requests = Enumerable.Range(0, 4).Select(i => Row([.. context, .. Random(2 + i)], 21)).ToList();
        var shared = BatchScorer.Score(model, requests, batchSize: 4);
        for (int i = 0; i < requests.Count; i++)
        {
            var reference = SequenceScorer.Score(model, requests[i].Ids).Tokens.Skip(20).Select(t => t.LogProb).ToArray();
            for (int j = 0; j < reference.Length; j++) Assert.Equal(reference[j], shared[i][j], 1e-4);
        }
    }
}
