using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Adapters;

/// <summary>
/// A LoRA adapter attached to a model: each targeted projection computes W x + s·B(A(dropout(x))), every base weight is
/// frozen (requires_grad false) except the modules_to_save, so a backward fills gradients only for
/// <see cref="Parameters"/> and the optimizer holds state for those alone. <see cref="Merge"/> folds the update into
/// the base weights, <see cref="Detach"/> puts the model back as it was; <see cref="Save"/>/<see cref="Load"/> use
/// PEFT's files (LoraAdapter.Files.cs). The model's own state_dict never contains adapter tensors.
/// </summary>
public sealed partial class LoraAdapter : IDisposable
{
    readonly LlamaForCausalLM _model;
    readonly List<LoraLayer> _layers;
    readonly List<SavedModuleParameter> _saved;
    readonly List<(Parameter Parameter, bool RequiresGrad)> _frozen = [];
    bool _attached;
    int _bypassDepth;

    LoraAdapter(LlamaForCausalLM model, LoraConfig config, List<LoraLayer> layers, List<SavedModuleParameter> saved)
    {
        _model = model;
        Config = config;
        _layers = layers;
        _saved = saved;
    }

    public LoraConfig Config { get; }

    /// <summary>One entry per wrapped projection, in model order.</summary>
    public IReadOnlyList<LoraLayer> Layers => _layers;

    /// <summary>The distinct projection names adapted (q_proj, v_proj…): what adapter_config.json's target_modules lists.</summary>
    public IReadOnlyList<string> TargetNames =>
        _layers.Select(l => l.ModulePath[(l.ModulePath.LastIndexOf('.') + 1)..]).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>What trains: every A and B, then the modules_to_save parameters (give these to the optimizer).</summary>
    public IReadOnlyList<Parameter> Parameters =>
        [.. _layers.SelectMany(l => new[] { l.A, l.B }), .. _saved.Select(s => s.Parameter)];

    /// <summary>The trainable tensors under their PEFT names (adapter_model.safetensors keys).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        foreach (var l in _layers)
        {
            yield return KeyValuePair.Create(PeftKey(l.ModulePath, "lora_A"), (Tensor)l.A);
            yield return KeyValuePair.Create(PeftKey(l.ModulePath, "lora_B"), (Tensor)l.B);
        }
        foreach (var s in _saved) yield return KeyValuePair.Create(PeftPrefix + s.Name, (Tensor)s.Parameter);
    }

    /// <summary>
    /// Wraps the projections <paramref name="config"/> selects with new LoRA weights (PEFT's init, seeded by
    /// <paramref name="seed"/>) and freezes the base model. Throws <see cref="ArgumentException"/> naming the setting when
    /// a target matches nothing or the model already carries an adapter.
    /// </summary>
    public static LoraAdapter Attach(LlamaForCausalLM model, LoraConfig config, long seed = 0) =>
        Attach(model, config, new Generator((ulong)seed), "LoRA config");

    internal static LoraAdapter Attach(LlamaForCausalLM model, LoraConfig config, Generator? generator, string where)
    {
        config.Validate(where);
        if (LoraTargets.Projections(model).FirstOrDefault(p => p.Linear.Adapter is not null) is { Path: { } busy })
            throw new InvalidOperationException($"{busy} already carries an adapter; merge or detach it before attaching another.");
        var targets = LoraTargets.Resolve(model, config, where);
        var saved = LoraTargets.ModulesToSave(model, config, targets, where)
            .Select(s => new SavedModuleParameter(s.Name, s.Parameter, s.Parameter.detach().clone())).ToList();
        var layers = targets.Select(t => new LoraLayer(t.Path, t.Linear, t.Rank, t.Alpha, config.ScaleFor(t.Rank, t.Alpha),
            config.Dropout, config.Init, generator)).ToList();
        var adapter = new LoraAdapter(model, config, layers, saved);
        foreach (var (_, p) in model.named_parameters())
        {
            adapter._frozen.Add((p, p.requires_grad));
            p.requires_grad = saved.Any(s => ReferenceEquals(s.Parameter, p) || s.Parameter.Handle == p.Handle);
        }
        foreach (var l in layers) l.Target.Adapter = l;
        adapter._attached = true;
        return adapter;
    }

    /// <summary>
    /// Folds the adapter into the model: W ← W + s·B·A for every wrapped projection (the sum taken in fp32, then cast to
    /// W's dtype), modules_to_save keep their trained values; then the wrappers go and requires_grad is restored.
    /// </summary>
    public void Merge()
    {
        EnsureAttached();
        using (no_grad())
        {
            foreach (var l in _layers)
            {
                using var scope = NewDisposeScope();
                var w = l.Target.Weight;
                using var delta = l.DeltaWeight().to(w.device);
                w.copy_(w.to_type(ScalarType.Float32).add_(delta).to_type(w.dtype));
            }
        }
        Release(restoreSavedModules: false);
    }

    /// <summary>
    /// Switches the adapter off until the returned handle is disposed: every wrapped projection computes only W x + b and
    /// the modules_to_save hold their values from before training, so the model gives the base model's outputs — DPO's
    /// reference model without a second copy of the weights. Disposing switches it back on (the trained
    /// modules_to_save values return bit for bit). Nested bypasses are allowed; the outermost one switches.
    /// </summary>
    /// <remarks>
    /// The modules_to_save are switched by copying values into the same parameters (the optimizer holds them), which
    /// bumps their autograd version: a graph that saved one of them (e.g. the policy forward through a trained lm_head)
    /// cannot be back-propagated once a bypass began after it was built. Run the reference pass under <c>no_grad</c>
    /// before the policy forward or after its backward. Without modules_to_save nothing is copied and any order works.
    /// </remarks>
    public IDisposable Bypass()
    {
        if (!_attached) throw new InvalidOperationException("this LoRA adapter was already merged or detached.");
        if (_bypassDepth++ == 0)
        {
            foreach (var l in _layers) l.Bypassed = true;
            using (no_grad())
            {
                foreach (var s in _saved)
                {
                    s.Trained = s.Parameter.detach().clone();
                    s.Parameter.copy_(s.Original);
                }
            }
        }
        return new BypassScope(this);
    }

    /// <summary>True while a <see cref="Bypass"/> is in effect.</summary>
    public bool IsBypassed => _bypassDepth > 0;

    void EndBypass()
    {
        if (_bypassDepth == 0 || --_bypassDepth > 0) return; // 0: the adapter was disposed first and already ended it
        foreach (var l in _layers) l.Bypassed = false;
        using (no_grad())
        {
            foreach (var s in _saved)
            {
                s.Parameter.copy_(s.Trained!);
                s.Trained!.Dispose();
                s.Trained = null;
            }
        }
    }

    sealed class BypassScope(LoraAdapter adapter) : IDisposable
    {
        bool _ended;

        public void Dispose()
        {
            if (_ended) return;
            _ended = true;
            adapter.EndBypass();
        }
    }

    /// <summary>Removes the adapter: projections compute W x again, modules_to_save get their original values back,
    /// requires_grad is as before <see cref="Attach(LlamaForCausalLM, LoraConfig, long)"/>.</summary>
    public void Detach()
    {
        EnsureAttached();
        Release(restoreSavedModules: true);
    }

    void Release(bool restoreSavedModules)
    {
        foreach (var l in _layers)
        {
            l.Target.Adapter = null;
            l.Dispose();
        }
        using (no_grad())
        {
            foreach (var s in _saved)
            {
                if (restoreSavedModules) s.Parameter.copy_(s.Original);
                s.Original.Dispose();
            }
        }
        foreach (var (p, requiresGrad) in _frozen) p.requires_grad = requiresGrad;
        _attached = false;
    }

    void EnsureAttached()
    {
        if (!_attached) throw new InvalidOperationException("this LoRA adapter was already merged or detached.");
        if (_bypassDepth > 0) throw new InvalidOperationException("this LoRA adapter is bypassed; dispose the Bypass() handle before saving, merging or detaching it.");
    }

    /// <summary>Detaches the adapter if it is still attached.</summary>
    public void Dispose()
    {
        if (_bypassDepth > 0)
        {
            _bypassDepth = 1;
            EndBypass();
        }
        if (_attached) Release(restoreSavedModules: true);
    }

    const string PeftPrefix = "base_model.model.";

    static string PeftKey(string modulePath, string part) => $"{PeftPrefix}{modulePath}.{part}.weight";

    /// <summary>A modules_to_save parameter and a copy of its value before training, for <see cref="Detach"/> and
    /// <see cref="Bypass"/>; <see cref="Trained"/> holds the trained value while a bypass lasts.</summary>
    sealed record SavedModuleParameter(string Name, Parameter Parameter, Tensor Original)
    {
        public Tensor? Trained { get; set; }
    }
}
