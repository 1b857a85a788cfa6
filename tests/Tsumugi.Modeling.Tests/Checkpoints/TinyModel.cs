using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Checkpoints;

/// <summary>A small module whose state_dict keys look like HF's (embed_tokens.weight, layers.0.self_attn.q_proj.bias, …).</summary>
public sealed class TinyModel : nn.Module
{
    public readonly Embedding embed_tokens;
    public readonly ModuleList<TinyLayer> layers;
    public readonly Linear lm_head;
    public readonly TinyRotary? rotary_emb;

    public TinyModel(int layerCount = 2, long hidden = 8, long ffn = 12, long vocab = 11, bool withRotary = false) : base(nameof(TinyModel))
    {
        embed_tokens = nn.Embedding(vocab, hidden);
        layers = new ModuleList<TinyLayer>(Enumerable.Range(0, layerCount).Select(_ => new TinyLayer(hidden, ffn)).ToArray());
        lm_head = nn.Linear(hidden, vocab, hasBias: false);
        if (withRotary) rotary_emb = new TinyRotary();
        RegisterComponents();
    }

    public static TinyModel Random(int seed, int layerCount = 2, long hidden = 8, bool withRotary = false)
    {
        manual_seed(seed);
        return new TinyModel(layerCount, hidden, withRotary: withRotary);
    }
}
