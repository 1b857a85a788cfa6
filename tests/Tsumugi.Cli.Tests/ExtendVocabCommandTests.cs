using System.Text.Json;
using Tsumugi.Modeling;
using Tsumugi.Tokenization.HuggingFace;
using static TorchSharp.torch;
using static Tsumugi.Cli.Tests.SpectreOutput;

namespace Tsumugi.Cli.Tests;

[Collection("cli")]
public sealed class ExtendVocabCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-extend-vocab-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    /// <summary>docs/model.md's flow: train a base tokenizer, init a model with it, extend the tokenizer, extend the model.</summary>
    (string Model, string OldTokenizer, string NewTokenizer) Prepare()
    {
        var baseText = CorpusSample.Write("en", 40_000, Sub("en.txt"));
        var japanese = CorpusSample.Write("ja", 60_000, Sub("ja.txt"));
        Ok("tokenizer", "train", "--input", baseText, "--output", Sub("tok-old"), "--vocab-size", "600", "--threads", "2");
        Ok("tokenizer", "extend", "--tokenizer", Sub("tok-old"), "--input", japanese, "--add", "100", "--output", Sub("tok-new"));
        Ok("model", "init", "--preset", "tiny", "--tokenizer", Sub("tok-old"), "--output", Sub("model"), "--seed", "3");
        return (Sub("model"), Sub("tok-old"), Sub("tok-new"));
    }


    [Fact]
    public void ExtendVocabWritesAModelWithTheNewTokenizerCopiedRowsAndMeanRows()
    {
        var (model, _, newTokenizer) = Prepare();
        var stdout = Ok("model", "extend-vocab", "--model", model, "--tokenizer", newTokenizer, "--output", Sub("extended"));
        Assert.Contains("vocab_size 600 → 700", stdout);
        Assert.Contains("600 rows copied", stdout);

        using var before = HfModelDirectory.Load(model);
        using var after = HfModelDirectory.Load(Sub("extended"));
        Assert.Equal(700, after.Config.VocabSize);
        Assert.Equal(File.ReadAllBytes(Path.Combine(newTokenizer, "tokenizer.model")), File.ReadAllBytes(Path.Combine(Sub("extended"), "tokenizer.model")));
        Assert.Equal(700, TokenizerDirectory.LoadSentencePiece(Sub("extended")).VocabSize);

        var (oldRows, newRows) = (before.state_dict()["model.embed_tokens.weight"], after.state_dict()["model.embed_tokens.weight"]);
        Assert.True((oldRows == newRows.narrow(0, 0, 600)).all().item<bool>());
        // Every new row is the mean of the old rows id-map.json lists for it.
        using var map = JsonDocument.Parse(File.ReadAllText(Path.Combine(newTokenizer, "id-map.json")));
        int checkedRows = 0;
        foreach (var entry in map.RootElement.GetProperty("new_tokens").EnumerateObject())
        {
            var ids = entry.Value.EnumerateArray().Select(x => x.GetInt64()).ToArray();
            using var scope = NewDisposeScope();
            var expected = oldRows.index_select(0, tensor(ids)).to_type(ScalarType.Float64).mean([0L]);
            var actual = newRows[long.Parse(entry.Name)].to_type(ScalarType.Float64);
            Assert.True(actual.allclose(expected, rtol: 1e-6, atol: 1e-7), $"row {entry.Name}");
            checkedRows++;
        }
        Assert.Equal(100, checkedRows);
    }

    [Fact]
    public void ATokenizerThatDropsOldPiecesIsRefusedWithOneLineUnlessAllowed()
    {
        var (model, _, newTokenizer) = Prepare();
        var pieces = TokenizerDirectory.LoadSentencePiece(newTokenizer).Model;
        var dropped = pieces.Pieces[400].Piece;
        pieces.Pieces.RemoveAt(400);
        pieces.TrainerSpec.VocabSize = pieces.Pieces.Count;
        TokenizerDirectory.Save(pieces, Sub("tok-dropped"));

        var (code, _, err) = CliRunner.Run("model", "extend-vocab", "--model", model, "--tokenizer", Sub("tok-dropped"), "--output", Sub("out"));
        Assert.Equal(1, code);
        Assert.StartsWith("error: the new tokenizer lacks 1 of the old tokenizer's 600 pieces", err);
        Assert.Contains($"'{dropped}'", err);
        Assert.Contains("--allow-dropped-pieces", err);
        Assert.DoesNotContain("   at ", err);
        Assert.False(Directory.Exists(Sub("out")));

        var stdout = Ok("model", "extend-vocab", "--model", model, "--tokenizer", Sub("tok-dropped"), "--output", Sub("out"), "--allow-dropped-pieces");
        Assert.Contains("1 old pieces dropped", stdout);
        using var extended = HfModelDirectory.Load(Sub("out"));
        Assert.Equal(699, extended.Config.VocabSize);
    }

    [Fact]
    public void ModelWithoutTokenizerNeedsOldTokenizerAndOutputMustDiffer()
    {
        Ok("tokenizer", "train", "--input", CorpusSample.Write("en", 20_000, Sub("en.txt")), "--output", Sub("tok"), "--vocab-size", "400", "--threads", "2");
        Ok("model", "init", "--preset", "tiny", "--output", Sub("bare"));
        var (code, _, err) = CliRunner.Run("model", "extend-vocab", "--model", Sub("bare"), "--tokenizer", Sub("tok"), "--output", Sub("out"));
        Assert.Equal(1, code);
        Assert.Contains("--old-tokenizer", err);

        var same = CliRunner.Run("model", "extend-vocab", "--model", Sub("bare"), "--tokenizer", Sub("tok"), "--output", Sub("bare"));
        Assert.Equal(1, same.ExitCode);
        Assert.Contains("is the input model directory", same.Err);

        Assert.Equal(2, CliRunner.Run("model", "extend-vocab", "--model", Sub("bare")).ExitCode); // --tokenizer, --output missing
    }
}
