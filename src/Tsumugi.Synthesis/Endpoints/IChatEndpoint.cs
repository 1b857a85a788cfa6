namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// What <see cref="EndpointPool"/> needs of one endpoint: <see cref="EndpointClient"/> over HTTP, or a fake in tests
/// of the pool and the runner. <see cref="CompleteAsync"/> throws <see cref="EndpointException"/> when it fails for good.
/// </summary>
public interface IChatEndpoint : IDisposable
{
    EndpointSettings Settings { get; }
    EndpointTally Tally { get; }
    Task<ChatReply> CompleteAsync(ChatRequest request, CancellationToken cancellationToken);

    /// <summary>Preflight before the first request: the endpoint answers and accepts the key.</summary>
    Task CheckAsync(CancellationToken cancellationToken);
}
