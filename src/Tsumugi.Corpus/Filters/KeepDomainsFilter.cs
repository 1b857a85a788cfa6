using Tsumugi.Corpus.Steps;

namespace Tsumugi.Corpus.Filters;

/// <summary>Keeps only documents routed to the listed domains (step <c>keep_domains</c>; needs <c>route</c> before it).</summary>
public sealed class KeepDomainsFilter(IReadOnlyCollection<string> domains) : IPipelineStep
{
    public string Name => "keep_domains";

    public string? Apply(Document doc) => domains.Contains(doc.Domain) ? null : $"domain '{doc.Domain}' not in [{string.Join(", ", domains)}]";
}
