using Tsumugi.Tokenization.ByteLevel;

namespace Tsumugi.Tokenization.Tests.ByteLevel;

/// <summary>GPT-2-, Llama 3- and Qwen2-style tokenizers trained by Tsumugi on the shared corpus, written as tokenizer.json.</summary>
public sealed class ByteLevelFixture : IDisposable
{
    public const int TrainChars = 200_000;
    public static readonly string[] Specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

    // One directory per fixture instance: each test class has its own and deletes it when done.
    public string Dir { get; } = SpmTools.TempDir("bbpe-" + Guid.NewGuid().ToString("N")[..8]);
    readonly Dictionary<ByteLevelFlavor, string> _dirs = [];

    /// <summary>Training text: the first <see cref="TrainChars"/> characters of each domain.</summary>
    public static IEnumerable<string> TrainingLines() =>
        new[] { "ja", "en", "code" }.SelectMany(d => TestCorpus.Lines(d, TrainChars));

    /// <summary>Held-out lines of each domain (after the training text).</summary>
    public static List<string> HeldOut(int perDomain) =>
        new[] { "ja", "en", "code" }.SelectMany(d => TestCorpus.Lines(d, TrainChars * 2).Skip(TestCorpus.Lines(d, TrainChars).Count).Take(perDomain)).ToList();

    /// <summary>The tokenizer directory of a flavour, trained once per test run.</summary>
    public string TokenizerDir(ByteLevelFlavor flavor)
    {
        lock (_dirs)
        {
            if (_dirs.TryGetValue(flavor, out var d)) return d;
            var model = ByteLevelBpeTrainer.Train(TrainingLines(), new ByteLevelTrainerOptions
            {
                VocabSize = 3000, Flavor = flavor, SpecialTokens = Specials, EosToken = "<|endoftext|>", MinFrequency = 2,
            });
            d = Path.Combine(Dir, flavor.ToString());
            model.Save(d);
            return _dirs[flavor] = d;
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
