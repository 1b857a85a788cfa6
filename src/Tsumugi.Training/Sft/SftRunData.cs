using Tsumugi.Tokenization;
using Tsumugi.Datasets.Curriculum;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Training.Sft;

/// <summary>What an SFT run trains on: the data plan of its rows, the run length, and what renders and scores chats.</summary>
/// <param name="Template">The chat template the conversations were rendered with (null: plain prompt/completion only).</param>
/// <param name="SamplePrompts">Held-out prompts whose answers are logged at every evaluation.</param>
public sealed record SftRunData(DataPlan Data, long Steps, ITokenizer Tokenizer, ChatTemplate? Template, IReadOnlyList<SftSamplePrompt> SamplePrompts);

/// <summary>A held-out prompt, rendered for generation, and the answer the data gives for it.</summary>
public sealed record SftSamplePrompt(string Prompt, string Reference);
