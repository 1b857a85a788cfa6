namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// The endpoints of a synthesis run, asked by role. Each endpoint takes at most its <see cref="EndpointSettings.Concurrency"/>
/// requests at once (a semaphore of that many slots); a request goes to the endpoint of its role with the most free
/// slots (ties: the first listed), or, when all are full, to the first that frees one. A request that fails for good
/// is not moved to another endpoint: its <see cref="EndpointException"/> goes to the caller, who records it.
/// </summary>
public sealed class EndpointPool : IDisposable
{
    sealed record Member(IChatEndpoint Endpoint, SemaphoreSlim Slots);

    readonly List<Member> _members;

    /// <param name="endpoints">The endpoints (validated; names must differ).</param>
    /// <param name="factory">Makes each endpoint; null: an <see cref="EndpointClient"/> over HTTP. Tests pass fakes.</param>
    public EndpointPool(IReadOnlyList<EndpointSettings> endpoints, Func<EndpointSettings, IChatEndpoint>? factory = null)
    {
        if (endpoints.Count == 0) throw new ArgumentException("no endpoints: list at least one under endpoints:");
        foreach (var settings in endpoints) settings.Validate();
        if (endpoints.GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new ArgumentException($"two endpoints are named '{duplicate.Key}'; give each endpoint its own name");
        factory ??= settings => new EndpointClient(settings);
        _members = endpoints.Select(e => new Member(factory(e), new SemaphoreSlim(e.Concurrency, e.Concurrency))).ToList();
    }

    /// <summary>Each endpoint's settings and running tally, in the order they were listed.</summary>
    public IReadOnlyList<(EndpointSettings Settings, EndpointTally Tally)> Tallies =>
        _members.Select(m => (m.Endpoint.Settings, m.Endpoint.Tally)).ToList();

    /// <summary>How many requests of <paramref name="role"/> can run at once: what the runner sizes its workers by.</summary>
    public int Capacity(string role) => _members.Where(m => m.Endpoint.Settings.Roles.Contains(role)).Sum(m => m.Endpoint.Settings.Concurrency);

    /// <summary>Throws <see cref="ArgumentException"/> when no endpoint serves <paramref name="role"/>: checked before the first request.</summary>
    public void RequireRole(string role)
    {
        if (!_members.Any(m => m.Endpoint.Settings.Roles.Contains(role)))
            throw new ArgumentException($"no endpoint has role '{role}'; add roles: [{role}] to one of endpoints[] " +
                $"(roles now: {string.Join("; ", _members.Select(m => $"{m.Endpoint.Settings.Name}: {string.Join(", ", m.Endpoint.Settings.Roles.Order(StringComparer.Ordinal))}"))})");
    }

    /// <summary>Preflights every endpoint at once; the first failure (an <see cref="EndpointException"/>) is thrown.</summary>
    public async Task CheckAllAsync(CancellationToken cancellationToken)
    {
        var checks = _members.Select(m => m.Endpoint.CheckAsync(cancellationToken)).ToList();
        try { await Task.WhenAll(checks).ConfigureAwait(false); }
        catch
        {
            // WhenAll rethrows one failure; report the first endpoint's in list order, so the message does not depend on timing.
            throw checks.First(c => c.IsFaulted).Exception!.InnerException!;
        }
    }

    /// <summary>Sends <paramref name="request"/> to an endpoint of <paramref name="role"/> as soon as one has a free slot.</summary>
    public async Task<ChatReply> CompleteAsync(string role, ChatRequest request, CancellationToken cancellationToken)
    {
        RequireRole(role);
        var candidates = _members.Where(m => m.Endpoint.Settings.Roles.Contains(role)).ToList();
        var member = await AcquireAsync(candidates, cancellationToken).ConfigureAwait(false);
        try { return await member.Endpoint.CompleteAsync(request, cancellationToken).ConfigureAwait(false); }
        finally { member.Slots.Release(); }
    }

    /// <summary>Takes a slot: the candidate with the most free ones, or else the first to free one.</summary>
    static async Task<Member> AcquireAsync(List<Member> candidates, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // MaxBy keeps the first of equals. Another thread may take the slot between the look and the Wait(0): look again.
            var best = candidates.MaxBy(m => m.Slots.CurrentCount)!;
            if (best.Slots.CurrentCount > 0)
            {
                if (best.Slots.Wait(0)) return best;
                continue;
            }
            if (candidates.Count == 1)
            {
                await best.Slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                return best;
            }
            // All full: wait on every candidate, keep one granted slot (the first listed) and give back any other granted meanwhile.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var waits = candidates.Select(m => m.Slots.WaitAsync(stop.Token)).ToList();
            await Task.WhenAny(waits).ConfigureAwait(false);
            stop.Cancel();
            Member? taken = null;
            for (int i = 0; i < waits.Count; i++)
            {
                try { await waits[i].ConfigureAwait(false); }
                catch (OperationCanceledException) { continue; } // not granted
                if (taken is null) taken = candidates[i];
                else candidates[i].Slots.Release();
            }
            if (taken is not null) return taken;
        }
    }

    public void Dispose()
    {
        foreach (var m in _members)
        {
            m.Endpoint.Dispose();
            m.Slots.Dispose();
        }
    }
}
