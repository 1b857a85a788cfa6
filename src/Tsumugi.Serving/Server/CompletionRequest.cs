using Tsumugi.Generation;

namespace Tsumugi.Serving.Server;

/// <summary>A validated /v1/completions or /v1/chat/completions request, reduced to what the generator needs.</summary>
public sealed record CompletionRequest(string Prompt, IReadOnlyList<int> PromptIds, SamplingOptions Options, bool Stream, bool IncludeUsage);
