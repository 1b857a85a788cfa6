using Tsumugi.Modeling;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Testing;

/// <summary>A randomly initialised tiny Llama sized to the test tokenizer's vocabulary: its greedy output is arbitrary but fixed.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public SpmTokenizer Tokenizer { get; } = TestTokenizers.ByteFallback();
    public LlamaForCausalLM Model { get; }

    public TinyModelFixture()
    {
        var config = ModelPresets.Get("tiny");
        config.VocabSize = Tokenizer.VocabSize;
        Model = new LlamaForCausalLM(config);
        Model.InitializeWeights(11);
    }

    public void Dispose() => Model.Dispose();
}
