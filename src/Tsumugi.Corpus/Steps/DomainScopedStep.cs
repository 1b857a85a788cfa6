namespace Tsumugi.Corpus.Steps;

/// <summary>
/// Applies a step only to documents of the listed domains (the per-step <c>domains:</c> key). Documents not yet
/// routed (no <c>route</c> step before) always go through, so a pipeline without routing filters everything.
/// </summary>
public sealed class DomainScopedStep(IPipelineStep inner, IReadOnlyCollection<string> domains) : IPipelineStep
{
    public string Name => inner.Name;
    public IPipelineStep Inner => inner;

    public string? Apply(Document doc) => doc.Domain == Unrouted || domains.Contains(doc.Domain) ? inner.Apply(doc) : null;

    const string Unrouted = "unrouted";
}
