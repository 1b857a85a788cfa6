namespace Tsumugi.Generation;

/// <summary>
/// One completed generation. <see cref="TokenIds"/> are the sampled tokens without the final EOS/stop id (tokens that
/// contain a stop string stay, while <see cref="Text"/> ends before it); <see cref="CompletionTokens"/> counts every
/// sampled token, the EOS included, because the model computed it (as vLLM and llama.cpp count usage).
/// </summary>
public sealed record GenerationResult(string Text, IReadOnlyList<int> TokenIds, FinishReason FinishReason, int PromptTokens, int CompletionTokens)
{
    /// <summary>The OpenAI wire value: "stop" or "length".</summary>
    public string FinishReasonText => FinishReason == FinishReason.Stop ? "stop" : "length";
}
