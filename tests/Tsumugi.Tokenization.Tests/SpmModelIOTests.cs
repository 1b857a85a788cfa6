using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Tests;

public sealed class SpmModelIOTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    [Fact]
    public void RewrittenModelLoadsInSpmAndEncodesTheSame()
    {
        var src = fx.Model("bpe-bytes");
        var model = SpmModel.Load(src);
        Assert.Equal(SpmModelType.Bpe, model.TrainerSpec.ModelType);
        Assert.True(model.TrainerSpec.ByteFallback);
        Assert.False(model.NormalizerSpec.RemoveExtraWhitespaces);
        Assert.Equal(PieceType.Unknown, model.Pieces[0].Type);
        Assert.Equal(PieceType.UserDefined, model.Pieces[3].Type);
        Assert.Equal("<0x00>", model.Pieces[5].Piece);
        var dst = Path.Combine(fx.Dir, "rewritten.model");
        model.Save(dst);
        var lines = fx.HeldOut.Take(400).ToList();
        Assert.Equal(SpmTools.EncodeIds(src, lines), SpmTools.EncodeIds(dst, lines));
        // A second round trip through our reader is byte-stable.
        var again = SpmModelIO.Serialize(SpmModel.Load(dst));
        Assert.Equal(File.ReadAllBytes(dst), again);
    }

    [Fact]
    public void UnknownFieldsSurviveARoundTrip()
    {
        var model = SpmModel.Load(fx.Model("unigram-bytes"));
        // field 199 (varint 7) appended at top level and field 54 (string) inside trainer_spec
        model.UnknownFields = [0xB8, 0x0C, 0x07];
        model.TrainerSpec.UnknownFields = [0xB2, 0x03, 0x02, (byte)'h', (byte)'i'];
        var back = SpmModelIO.Parse(SpmModelIO.Serialize(model));
        Assert.Equal(model.UnknownFields, back.UnknownFields);
        Assert.Equal(model.TrainerSpec.UnknownFields, back.TrainerSpec.UnknownFields);
        var path = Path.Combine(fx.Dir, "unknown-fields.model");
        back.Save(path);
        Assert.Equal(SpmTools.EncodeIds(fx.Model("unigram-bytes"), ["テスト text"]), SpmTools.EncodeIds(path, ["テスト text"]));
    }

    /// <summary>A hand-written Unigram model whose segmentation is computed by hand.</summary>
    [Fact]
    public void HandWrittenUnigramModelSegmentsAsComputedByHand()
    {
        var model = new SpmModel
        {
            TrainerSpec = new SpmTrainerSpec { ModelType = SpmModelType.Unigram, VocabSize = 7 },
            NormalizerSpec = SpmNormalizerSpec.Identity(),
            Pieces =
            [
                new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control),
                new("▁", -2), new("a", -3), new("b", -3), new("ab", -5), new("▁ab", -7.5f),
            ],
        };
        var path = Path.Combine(fx.Dir, "hand.model");
        model.Save(path);
        var tok = new SpmTokenizer(model);
        // "▁ab": ▁+ab = -7, ▁ab = -7.5, ▁+a+b = -8 → [▁, ab]. "▁abc": c is unknown → min_score − 10 = -17.5.
        Assert.Equal([3, 6], tok.Encode("ab"));
        Assert.Equal([3, 6, 0], tok.Encode("abc"));
        Assert.Equal(SpmTools.EncodeIds(path, ["ab", "abc", "ba ab"]), [tok.Encode("ab"), tok.Encode("abc"), tok.Encode("ba ab")]);
        Assert.Equal("ab ⁇ ", tok.Decode([3, 6, 0]).TrimStart());
    }

    [Fact]
    public void CorruptModelGivesAClearError()
    {
        var path = Path.Combine(fx.Dir, "corrupt.model");
        var bytes = File.ReadAllBytes(fx.Model("unigram-bytes"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => SpmModel.Load(path));
        Assert.Contains(path, e.Message);
        File.WriteAllText(path, "this is not a model at all, just text");
        Assert.Throws<InvalidDataException>(() => SpmModel.Load(path));
        Assert.Throws<FileNotFoundException>(() => SpmModel.Load(path + ".missing"));
    }

    [Fact]
    public void APieceThatIsNotUtf8GivesAClearError()
    {
        // Pieces are parsed in place from the model's bytes: a malformed one must still name the file and the fault.
        var model = new SpmModel
        {
            TrainerSpec = new SpmTrainerSpec { ModelType = SpmModelType.Unigram, VocabSize = 4 },
            NormalizerSpec = SpmNormalizerSpec.Identity(),
            Pieces = [new("<unk>", 0, PieceType.Unknown), new("▁", -2), new("zq", -3), new("a", -3)],
        };
        var bytes = SpmModelIO.Serialize(model);
        Assert.Equal(["<unk>", "▁", "zq", "a"], SpmModelIO.Parse(bytes).Pieces.Select(p => p.Piece));
        bytes[bytes.AsSpan().IndexOf("zq"u8)] = 0xFF;
        var path = Path.Combine(fx.Dir, "bad-piece.model");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SpmModel.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("a piece is not valid UTF-8", e.Message);
    }

    [Fact]
    public void ModelsSpmWouldRejectAreRejected()
    {
        var ok = SpmModel.Load(fx.Model("unigram-bytes"));
        var noUnk = new SpmModel { TrainerSpec = ok.TrainerSpec, Pieces = ok.Pieces.Where(p => p.Type != PieceType.Unknown).ToList() };
        Assert.Contains("unk is not defined", Assert.Throws<InvalidDataException>(() => SpmModelIO.Validate(noUnk)).Message);
        var dup = new SpmModel { TrainerSpec = ok.TrainerSpec, Pieces = [.. ok.Pieces, ok.Pieces[^1]] };
        Assert.Contains("already defined", Assert.Throws<InvalidDataException>(() => SpmModelIO.Validate(dup)).Message);
        var missingBytes = new SpmModel { TrainerSpec = ok.TrainerSpec, Pieces = ok.Pieces.Where(p => p.Piece != "<0x41>").ToList() };
        Assert.Contains("256 byte pieces", Assert.Throws<InvalidDataException>(() => SpmModelIO.Validate(missingBytes)).Message);
    }
}
