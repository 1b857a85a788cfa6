using System.Text.Json.Nodes;
using Tsumugi.Common.Config;
using Tsumugi.Composition.Config;
using Tsumugi.Composition.Tensors;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Composition.Tests;

/// <summary>tokenizer_source / tokenizer: merges of models whose vocabularies differ (mergekit's union and permutations).</summary>
public sealed class TokenizerMergeTests : IDisposable
{
    const string Embed = "model.embed_tokens.weight", Head = "lm_head.weight";
    const int Width = 64; // the tiny preset's hidden size
    readonly TempDirectory _temp = new("tsumugi-merge-tok");
    readonly string _a, _b, _c;

    // A and B share いぬ and とり (at different ids); ねこ is A's only, しか B's only; うま is B's and C's.
    public TokenizerMergeTests()
    {
        _a = TinyModelDirectory.Write(_temp.File("a"), ["ねこ", "いぬ", "とり"], seed: 1, configure: c => c.TieWordEmbeddings = false);
        _b = TinyModelDirectory.Write(_temp.File("b"), ["とり", "いぬ", "うま", "しか"], seed: 2, configure: c => c.TieWordEmbeddings = false);
        _c = TinyModelDirectory.Write(_temp.File("c"), ["うま", "いぬ"], seed: 3, configure: c => c.TieWordEmbeddings = false);
    }

    public void Dispose() => _temp.Dispose();

    MergeResult Merge(string yaml, string output = "out") =>
        Merger.Run(MergeConfigReader.Parse(yaml.Replace("{A}", _a).Replace("{B}", _b).Replace("{C}", _c), _temp.File("merge.yaml")),
            new Merger.Options(_temp.File(output)));

    static Dictionary<string, float[]> ReadAll(string directory)
    {
        using var model = ModelSource.Open(directory, directory);
        return model.TensorNames.ToDictionary(n => n, n =>
        {
            var values = new float[model.Entry(n)!.Shape.Aggregate(1L, (x, y) => x * y)];
            model.ReadFloats(n, values);
            return values;
        });
    }

    static int Id(string directory, string piece) => TokenizerDirectory.LoadSentencePiece(directory).PieceToId(piece);
    static float[] Row(float[] matrix, int row) => matrix.AsSpan(row * Width, Width).ToArray();
    static float[] Combine(Func<int, float> f) => Enumerable.Range(0, Width).Select(f).ToArray();

    static void Close(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"{what}[{i}] is {actual[i]}, expected {expected[i]}");
    }

    [Fact]
    public void Union_Vocabulary_IsBaseThenOtherModelsMissingPiecesInOrder()
    {
        var result = Merge("merge_method: linear\nmodels:\n  - model: {A}\n    parameters: {weight: 0.5}\n  - model: {B}\n    parameters: {weight: 0.5}\ntokenizer_source: union\n");
        var a = TokenizerDirectory.LoadSentencePiece(_a).Model.Pieces.Select(p => p.Piece).ToList();
        var merged = TokenizerDirectory.LoadSentencePiece(result.Directory).Model.Pieces.Select(p => p.Piece).ToList();
        Assert.Equal([.. a, "うま", "しか"], merged);
        Assert.True(File.Exists(Path.Combine(result.Directory, "tokenizer.json")));
        Assert.Equal(merged.Count, JsonNode.Parse(File.ReadAllText(Path.Combine(result.Directory, "config.json")))!["vocab_size"]!.GetValue<int>());
        using var model = ModelSource.Open("out", result.Directory);
        Assert.Equal([merged.Count, Width], model.Entry(Embed)!.Shape);
        Assert.Equal([merged.Count, Width], model.Entry(Head)!.Shape);
    }

    [Fact]
    public void Union_Linear_SharedRowsMergeAndEachModelsOwnTokensKeepTheirRows()
    {
        var result = Merge("merge_method: linear\nmodels:\n  - model: {A}\n    parameters: {weight: 0.5}\n  - model: {B}\n    parameters: {weight: 0.5}\ntokenizer_source: union\n");
        var (a, b, m) = (ReadAll(_a), ReadAll(_b), ReadAll(result.Directory));
        foreach (var tensor in new[] { Embed, Head })
        {
            float[] RowOf(Dictionary<string, float[]> w, string dir, string piece) => Row(w[tensor], Id(dir, piece));
            foreach (var shared in new[] { "いぬ", "とり", "<s>", "<0x41>" })
            {
                var (ra, rb) = (RowOf(a, _a, shared), RowOf(b, _b, shared));
                Close(Combine(i => 0.5f * ra[i] + 0.5f * rb[i]), RowOf(m, result.Directory, shared), $"{tensor} {shared}");
            }
            // A token one model lacks takes the other's row in it (mergekit: the only model that has it donates).
            Close(RowOf(a, _a, "ねこ"), RowOf(m, result.Directory, "ねこ"), $"{tensor} ねこ");
            Close(RowOf(b, _b, "しか"), RowOf(m, result.Directory, "しか"), $"{tensor} しか");
        }
    }

    [Fact]
    public void Union_TaskArithmetic_MissingRowsTakeBaseRowElseMeanOfThoseThatHaveIt()
    {
        var result = Merge("merge_method: task_arithmetic\nbase_model: {A}\nmodels:\n  - model: {B}\n    parameters: {weight: 1}\n  - model: {C}\n    parameters: {weight: 1}\ntokenizer_source: union\n");
        var (a, b, c, m) = (ReadAll(_a), ReadAll(_b), ReadAll(_c), ReadAll(result.Directory));
        float[] R(Dictionary<string, float[]> w, string dir, string piece) => Row(w[Embed], Id(dir, piece));
        string o = result.Directory;
        // いぬ: everyone has it — A + (B − A) + (C − A).
        var (ai, bi, ci) = (R(a, _a, "いぬ"), R(b, _b, "いぬ"), R(c, _c, "いぬ"));
        Close(Combine(i => ai[i] + (bi[i] - ai[i]) + (ci[i] - ai[i])), R(m, o, "いぬ"), "いぬ");
        // とり: A and B have it, C does not: C's row is the base's, so C adds nothing — B's row.
        Close(R(b, _b, "とり"), R(m, o, "とり"), "とり");
        // うま: B and C have it, the base does not: the base's row is their mean — B + C − mean.
        var (bu, cu) = (R(b, _b, "うま"), R(c, _c, "うま"));
        Close(Combine(i => bu[i] + cu[i] - (bu[i] + cu[i]) / 2), R(m, o, "うま"), "うま");
        // ねこ: only the base has it: every model's row is the base's.
        Close(R(a, _a, "ねこ"), R(m, o, "ねこ"), "ねこ");
    }

    [Fact]
    public void Union_ModelWithItself_ReturnsTheModelAndItsTokenizer()
    {
        string copy = _temp.File("copy");
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(_a)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        var result = Merge($"merge_method: linear\nmodels:\n  - model: {{A}}\n    parameters: {{weight: 0.3}}\n  - model: {copy}\n    parameters: {{weight: 0.7}}\ntokenizer_source: union\n");
        var (a, m) = (ReadAll(_a), ReadAll(result.Directory));
        Assert.Equal(a.Keys.Order(), m.Keys.Order());
        foreach (var (name, values) in a) Close(values, m[name], name);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_a, "tokenizer.model")), File.ReadAllBytes(Path.Combine(result.Directory, "tokenizer.model")));
    }

    [Fact]
    public void ModelSource_OtherVocabularyMapsIntoThatTokenizer()
    {
        var result = Merge("merge_method: linear\nmodels:\n  - model: {A}\n    parameters: {weight: 0.5}\n  - model: {B}\n    parameters: {weight: 0.5}\ntokenizer_source: {B}\n");
        Assert.Equal(File.ReadAllBytes(Path.Combine(_b, "tokenizer.model")), File.ReadAllBytes(Path.Combine(result.Directory, "tokenizer.model")));
        var (a, b, m) = (ReadAll(_a), ReadAll(_b), ReadAll(result.Directory));
        Assert.Equal(b[Embed].Length, m[Embed].Length); // ねこ (A's only) is gone
        var (ai, bi) = (Row(a[Embed], Id(_a, "いぬ")), Row(b[Embed], Id(_b, "いぬ")));
        Close(Combine(i => 0.5f * ai[i] + 0.5f * bi[i]), Row(m[Embed], Id(_b, "いぬ")), "いぬ");
        Close(Row(b[Embed], Id(_b, "うま")), Row(m[Embed], Id(_b, "うま")), "うま");
    }

    [Fact]
    public void TokenizerSection_TokensAndPadding_AsConfigured()
    {
        var result = Merge("merge_method: task_arithmetic\nbase_model: {A}\nmodels:\n  - model: {B}\n    parameters: {weight: 1}\n" +
                           "tokenizer:\n  source: union\n  pad_to_multiple_of: 8\n  tokens:\n" +
                           "    <|im_start|>:\n      source: {kind: zero}\n" +
                           "    いぬ:\n      source: {kind: model_token, model: {B}, token: しか}\n      force: true\n");
        var (a, b, m) = (ReadAll(_a), ReadAll(_b), ReadAll(result.Directory));
        string o = result.Directory;
        var pieces = TokenizerDirectory.LoadSentencePiece(o).Model.Pieces;
        Assert.Equal("<|im_start|>", pieces[^1].Piece);
        Assert.Equal(PieceType.UserDefined, pieces[^1].Type);
        int rows = (pieces.Count + 7) / 8 * 8;
        Assert.Equal(rows * Width, m[Embed].Length);
        Assert.Equal(rows, JsonNode.Parse(File.ReadAllText(Path.Combine(o, "config.json")))!["vocab_size"]!.GetValue<int>());
        Assert.All(Row(m[Embed], pieces.Count - 1), v => Assert.Equal(0f, v));
        // forced: every model's いぬ row is B's しか row, so the merge is that row.
        Close(Row(b[Embed], Id(_b, "しか")), Row(m[Embed], Id(o, "いぬ")), "いぬ");
        // padding rows: the mean of the real rows of the merge.
        var mean = Combine(i => Enumerable.Range(0, pieces.Count).Average(u => m[Embed][u * Width + i]));
        Close(mean, Row(m[Embed], rows - 1), "padding");
    }

    [Fact]
    public void Union_TokenizersOfDifferentModelTypes_Refused()
    {
        string path = Path.Combine(_b, "tokenizer.model");
        var model = SpmModel.Load(path);
        model.TrainerSpec.ModelType = SpmModelType.Bpe;
        model.Save(path);
        var e = Assert.Throws<ConfigException>(() => Merge("merge_method: linear\nmodels:\n  - model: {A}\n    parameters: {weight: 1}\n  - model: {B}\n    parameters: {weight: 1}\ntokenizer_source: union\n"));
        Assert.Contains($"model '{_b}' has a Bpe tokenizer", e.Message);
    }

    [Fact]
    public void Union_ModelWithoutTokenizer_Refused()
    {
        File.Delete(Path.Combine(_c, "tokenizer.model"));
        var e = Assert.Throws<ConfigException>(() => Merge("merge_method: linear\nmodels:\n  - model: {A}\n    parameters: {weight: 1}\n  - model: {C}\n    parameters: {weight: 1}\ntokenizer_source: union\n"));
        Assert.Contains($"model '{_c}' has no tokenizer.model or tokenizer.json", e.Message);
    }

    [Fact]
    public void Tokens_SourceModelLackingTheToken_Refused()
    {
        var e = Assert.Throws<ConfigException>(() => Merge("merge_method: linear\nmodels:\n  - model: {A}\n    parameters: {weight: 1}\n  - model: {B}\n    parameters: {weight: 1}\n" +
                                                           "tokenizer:\n  tokens:\n    しか:\n      source: {A}\n"));
        Assert.Contains($"tokens 'しか': model '{_a}' has no such token", e.Message);
        Assert.StartsWith(_temp.File("merge.yaml") + ":9:", e.Message);
    }

    [Fact]
    public void NoTokenizerNamed_DifferentVocabularies_StillRefusedByShape()
    {
        var e = Assert.Throws<Modeling.Checkpoints.CheckpointException>(() => Merge("merge_method: linear\nmodels:\n  - model: {A}\n    parameters: {weight: 1}\n  - model: {B}\n    parameters: {weight: 1}\n"));
        Assert.Contains("differ in size (vocabulary?)", e.Message);
    }
}
