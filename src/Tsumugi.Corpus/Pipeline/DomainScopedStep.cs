namespace Tsumugi.Corpus.Pipeline;

/// <summary>Applies a step only to documents of the listed domains (the per-step <c>domains:</c> key).</summary>
public sealed class DomainScopedStep(IPipelineStep inner, IReadOnlyCollection<string> domains) : IPipelineStep
{
    public string Name => inner.Name;
    public IPipelineStep Inner => inner;

    public string? Apply(Document doc) => domains.Contains(doc.Domain) ? inner.Apply(doc) : null;
}
