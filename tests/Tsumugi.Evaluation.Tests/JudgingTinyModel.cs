using Tsumugi.Generation;

namespace Tsumugi.Evaluation.Tests;

/// <summary>
/// A randomly initialised tiny Llama with a hand-written byte-fallback tokenizer, saved as a real model directory
/// (<see cref="TinyModelDirectory"/>): its answers are gibberish but fixed for a seed, which is all judging needs.
/// </summary>
public sealed class JudgingTinyModel : IDisposable
{
    static readonly string[] Words = ["▁", "a", "b", "ab", "東京", "は", "。", "質問", "答え", "\n"];

    readonly TempDirectory _directory = new("tsumugi-judge-model");

    public string Directory => _directory.Path;

    public JudgingTinyModel(int contextLength = 2048) => TinyModelDirectory.Write(Directory, Words, seed: 5, contextLength);

    public PretrainedModel Load(string id = "tiny-candidate") => PretrainedModel.Load(Directory, new PretrainedModelOptions { Name = id });

    public void Dispose() => _directory.Dispose();
}
