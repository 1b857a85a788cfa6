namespace Tsumugi.Synthesis.Endpoints;

/// <summary>
/// The endpoint's answer: its text, why it stopped (<c>stop</c>, <c>length</c>, …), the tokens it billed and what they
/// cost at the endpoint's prices, how many attempts it took, and which endpoint and model gave it (provenance).
/// </summary>
public sealed record ChatReply(string Text, string? FinishReason, long PromptTokens, long CompletionTokens, int Attempts, string Endpoint, string Model, double Cost = 0);
