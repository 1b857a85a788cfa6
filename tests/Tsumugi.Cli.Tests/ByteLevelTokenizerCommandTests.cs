using Tsumugi.Datasets;
using Tsumugi.Tokenization.ByteLevel;
using Tsumugi.Tokenization.HuggingFace;
using static Tsumugi.Cli.Tests.SpectreOutput;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// A byte-level BPE tokenizer through the commands a user runs: `tokenizer train --kind byte-level-bpe`, `tokenizer
/// extend` on it (old ids and merges kept), and `data tokenize` with the extended one.
/// </summary>
[Collection("cli")]
public sealed class ByteLevelTokenizerCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-bytelevel-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    [Fact]
    public void TrainExtendAndDataTokenizeTakeAByteLevelTokenizer()
    {
        var english = CorpusSample.Write("en", 40_000, Sub("en.txt"));
        var japanese = CorpusSample.Write("ja", 40_000, Sub("ja.txt"));
        Ok("tokenizer", "train", "--kind", "byte-level-bpe", "--pre-tokenizer", "llama3", "--input", english, "--vocab-size", "600",
            "--special-tokens", "<|end_of_text|>", "--output", Sub("tok"));
        Ok("tokenizer", "extend", "--tokenizer", Sub("tok"), "--input", japanese, "--add", "200", "--output", Sub("tok-ja"));
        var old = ByteLevelBpeModel.Load(Path.Combine(Sub("tok"), "tokenizer.json"));
        var extended = ByteLevelBpeModel.Load(Path.Combine(Sub("tok-ja"), "tokenizer.json"));
        Assert.All(old.Vocab, kv => Assert.Equal(kv.Value, extended.Vocab[kv.Key]));
        Assert.Equal(old.Merges, extended.Merges.Take(old.Merges.Count));
        Assert.True(File.Exists(Path.Combine(Sub("tok-ja"), "id-map.json")));

        var text = string.Join("\n", File.ReadLines(japanese).Take(50));
        var tokenizer = TokenizerDirectory.Load(Sub("tok-ja"));
        Assert.Equal("byte-level-bpe", tokenizer.Kind);
        Assert.True(tokenizer.Encode(text).Length < TokenizerDirectory.Load(Sub("tok")).Encode(text).Length, "the Japanese merges shorten Japanese text");

        Ok("data", "tokenize", "--input", japanese, "--tokenizer", Sub("tok-ja"), "--output", Sub("data"), "--name", "ja");
        using var dataset = IndexedDataset.Open(Path.Combine(Sub("data"), "ja"));
        var first = dataset.GetSequence(0);
        Assert.Equal(tokenizer.EosId, first[^1]); // every document ends in the tokenizer's EOS
        Assert.Contains(first, id => id >= old.IdCount); // and uses the extension's tokens
    }
}
