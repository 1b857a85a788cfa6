namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// One chat completion to ask for. <paramref name="Seed"/> is sent as the OpenAI <c>seed</c> so endpoints that honour it
/// (tsumugi serve, vLLM) give the same sample again; recipes derive it from the request's key.
/// </summary>
public sealed record ChatRequest(IReadOnlyList<ChatTurn> Messages, double Temperature, int MaxTokens, double TopP = 1.0, long? Seed = null);
