using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Tests;

public sealed class HfTokenizerJsonReaderTests(SpmModelsFixture fx) : IClassFixture<SpmModelsFixture>
{
    [Theory]
    [InlineData("unigram-bytes")]
    [InlineData("bpe-bytes")]
    public void TokenizerJsonReadBackEncodesLikeSpm(string name)
    {
        var modelPath = fx.Model(name);
        var json = Path.Combine(fx.Dir, "read-" + name + ".json");
        HfTokenizerJson.Write(SpmModel.Load(modelPath), json);
        var read = HfTokenizerJsonReader.Read(json);
        Assert.Equal(SpmModel.Load(modelPath).TrainerSpec.ModelType, read.TrainerSpec.ModelType);
        Assert.True(read.TrainerSpec.ByteFallback);
        var tok = new SpmTokenizer(read);
        var lines = fx.HeldOut.Where(l => !l.Contains("<|im_")).Take(800).ToList();
        var expected = SpmTools.EncodeIds(modelPath, lines);
        for (int i = 0; i < lines.Count; i++) Assert.True(expected[i].SequenceEqual(tok.Encode(lines[i])), lines[i]);
        // and it can be written back as a .model that spm loads
        var back = Path.Combine(fx.Dir, "read-" + name + ".model");
        read.Save(back);
        Assert.Equal(expected.Take(50), SpmTools.EncodeIds(back, lines.Take(50).ToList()));
    }

    [Fact]
    public void NotATokenizerJsonGivesAClearError()
    {
        var path = Path.Combine(fx.Dir, "not-tokenizer.json");
        File.WriteAllText(path, "{\"hello\": 1}");
        Assert.Contains("model.type", Assert.Throws<InvalidDataException>(() => HfTokenizerJsonReader.Read(path)).Message);
        File.WriteAllText(path, "{oops");
        Assert.Throws<InvalidDataException>(() => HfTokenizerJsonReader.Read(path));
    }
}
