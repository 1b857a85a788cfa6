using Tsumugi.Corpus.Reading;
using Tsumugi.Datasets.Sft;
using Xunit.Abstractions;

namespace Tsumugi.Datasets.Tests.Sft;

/// <summary>
/// Packing efficiency on a real length distribution: the Japanese pages of ../shared/corpus (HTML extracted by the
/// corpus reader), each page one example, its token count estimated as characters / 1.6 (a 32k-vocabulary Japanese
/// tokenizer's typical ratio). Overlong pages are skipped, so truncated full rows do not flatter the figure.
/// </summary>
public class SftPackingEfficiencyTests(ITestOutputHelper output)
{
    private const double CharsPerToken = 1.6;

    private static readonly Lazy<int[]> PageTokens = new(() =>
    {
        var reader = new CorpusReader(new ReaderOptions());
        var files = InputFiles.Expand([Path.Combine(RepoPaths.SharedCorpus, "ja")], out _);
        return files.SelectMany(reader.Read)
            .Where(item => item.Document is { Text.Length: > 0 })
            .Select(item => (int)Math.Ceiling(item.Document!.Text.Length / CharsPerToken))
            .ToArray();
    });

    [Theory]
    [InlineData(512)]
    [InlineData(2048)]
    public void Pack_SharedCorpusPageLengths_AtLeast95PercentEfficient(int seqLength)
    {
        var lengths = PageTokens.Value;
        Assert.True(lengths.Length > 500, $"expected the shared corpus's Japanese pages under {RepoPaths.SharedCorpus}/ja");

        var bfd = SftBestFitPacker.Pack(lengths, seqLength, SftOverlong.Skip, seed: 1234);
        var padded = SftLengthGroupedBatcher.Plan(lengths, batchSize: 8, megabatchFactor: 50, seqLength, SftOverlong.Skip, seed: 1234);
        var random = SftLengthGroupedBatcher.Plan(lengths, batchSize: 8, megabatchFactor: 1, seqLength, SftOverlong.Skip, seed: 1234);

        output.WriteLine($"seq {seqLength}: {lengths.Length} pages, {bfd.Skipped.Count} longer (skipped), median {lengths.Order().ElementAt(lengths.Length / 2)} tokens; " +
            $"bfd {bfd.Efficiency:P2} in {bfd.Rows.Count} rows, length-grouped padding {padded.Efficiency:P2}, random padding {random.Efficiency:P2}");
        Assert.True(bfd.Efficiency >= 0.95, $"BFD efficiency {bfd.Efficiency:P2} at seq_length {seqLength}");
        Assert.True(padded.Efficiency > random.Efficiency, $"length grouping {padded.Efficiency:P2} should pad less than random batches {random.Efficiency:P2}");
    }
}
