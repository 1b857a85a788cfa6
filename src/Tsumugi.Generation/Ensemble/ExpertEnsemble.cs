using Tsumugi.Tokenization;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;

namespace Tsumugi.Generation.Ensemble;

/// <summary>
/// A loaded Branch-Train-Merge ensemble: the experts of an <see cref="EnsembleManifest"/>, each a
/// <see cref="PretrainedModel"/>, sharing one tokenizer (checked piece by piece before any weights load — token ids must
/// mean the same text to every expert, or their probabilities cannot be mixed). Owns the experts.
/// </summary>
public sealed class ExpertEnsemble : IDisposable
{
    public EnsembleManifest Manifest { get; }
    public IReadOnlyList<PretrainedModel> Experts { get; }
    public IReadOnlyList<string> ExpertNames => Manifest.Experts.Select(e => e.Name).ToList();

    /// <summary>log P(D=j): the manifest's cached prior, or uniform.</summary>
    public double[] LogPrior { get; }
    public int TopK => Manifest.TopK;

    /// <summary>The shared tokenizer (the first expert's; every other one is identical).</summary>
    public ITokenizer Tokenizer => Experts[0].Tokenizer;

    /// <summary>The ensemble directory's name, as results know it.</summary>
    public string Name { get; }

    /// <summary>The shortest expert context: prompt + new tokens must fit every expert's KV cache.</summary>
    public int ContextLength => Experts.Min(e => e.ContextLength);

    ExpertEnsemble(EnsembleManifest manifest, IReadOnlyList<PretrainedModel> experts, string name, IReadOnlyList<double>? logPrior = null)
    {
        if (experts.Count != manifest.Experts.Count) throw new ArgumentException($"{experts.Count} models for {manifest.Experts.Count} experts");
        (Manifest, Experts, Name) = (manifest, experts, name);
        LogPrior = logPrior?.ToArray() ?? manifest.LogPrior();
    }

    /// <summary>An ensemble of models already in memory (tests, prior estimation); does not take ownership of them.</summary>
    public static ExpertEnsemble FromModels(IReadOnlyList<PretrainedModel> experts, IReadOnlyList<double>? prior = null, int? topK = null, string name = "ensemble")
    {
        var manifest = new EnsembleManifest
        {
            Experts = experts.Select((e, i) => new EnsembleExpert(e.Name, e.Name)).ToList(),
            Prior = prior, TopK = topK ?? experts.Count,
        };
        CheckTokenizers(experts.Select(e => (e.Name, e.Tokenizer)).ToList(), name);
        return new ExpertEnsemble(manifest, experts, name) { _owns = false };
    }

    bool _owns = true;

    /// <summary>
    /// Loads DIR/ensemble.json and its experts (each with <paramref name="options"/>: dtype, device). Tokenizers are
    /// read and compared first, so a mismatched expert fails in milliseconds.
    /// </summary>
    public static ExpertEnsemble Load(string directory, PretrainedModelOptions? options = null)
    {
        var manifest = EnsembleManifest.Read(directory);
        if (options?.Adapter is not null) throw new ArgumentException($"{directory}: a LoRA adapter applies to one model, not to an ensemble; merge it into the expert first (`tsumugi model merge-adapter`)");
        var where = Path.Combine(directory, EnsembleManifest.FileName);
        var dirs = manifest.Experts.Select(e => Path.GetFullPath(e.Path, Path.GetFullPath(directory))).ToList();
        for (int i = 0; i < dirs.Count; i++)
            if (!Directory.Exists(dirs[i])) throw new DirectoryNotFoundException($"{where}: experts[{i}] ('{manifest.Experts[i].Name}'): {dirs[i]} not found");
        CheckTokenizers(manifest.Experts.Select((e, i) => (e.Name, TokenizerDirectory.LoadForModel(dirs[i]))).ToList(), where);
        var experts = new List<PretrainedModel>();
        try
        {
            for (int i = 0; i < dirs.Count; i++)
                experts.Add(PretrainedModel.Load(dirs[i], (options ?? new PretrainedModelOptions()) with { Name = manifest.Experts[i].Name }));
        }
        catch
        {
            foreach (var e in experts) e.Dispose();
            throw;
        }
        return new ExpertEnsemble(manifest, experts, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))));
    }

    /// <summary>Every expert's tokenizer must have the same pieces in the same order (ids mean the same text).</summary>
    public static void CheckTokenizers(IReadOnlyList<(string Name, ITokenizer Tokenizer)> experts, string where)
    {
        var (firstName, first) = experts[0];
        foreach (var (name, tokenizer) in experts.Skip(1))
        {
            if (tokenizer.VocabSize != first.VocabSize)
                throw new InvalidDataException($"{where}: expert '{name}' has a tokenizer of {tokenizer.VocabSize} pieces but '{firstName}' one of {first.VocabSize}; every expert of an ensemble must share the seed model's tokenizer (branch all experts from one seed)");
            for (int id = 0; id < first.VocabSize; id++)
                if (tokenizer.IdToPiece(id) != first.IdToPiece(id))
                    throw new InvalidDataException($"{where}: expert '{name}' has another tokenizer than '{firstName}' (id {id} is '{tokenizer.IdToPiece(id)}' there, '{first.IdToPiece(id)}' here); every expert of an ensemble must share the seed model's tokenizer (branch all experts from one seed)");
        }
    }

    /// <summary>BOS + the text's tokens, as every expert was trained.</summary>
    public long[] Encode(string text) => Experts[0].Encode(text);

    /// <summary>Completion with the mixture: generation ends at the tokenizer's EOS.</summary>
    public EnsembleGenerator CreateGenerator() => new(this);

    public void Dispose()
    {
        if (!_owns) return;
        foreach (var e in Experts) e.Dispose();
    }
}
