using Tsumugi.Tokenization;
using Tsumugi.Datasets.Sft;
using Tsumugi.Generation;
using Tsumugi.Generation.Chat;
using Tsumugi.Generation.Chat.Templates;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Training.Config;

namespace Tsumugi.Training.Sft;

/// <summary>
/// An example → token ids and loss mask. Conversations are rendered with the chat template and masked from its spans
/// (<see cref="ChatTokenMask"/>), so the ids are what the same conversation becomes as a prompt at inference: BOS in
/// front when the template writes none (as prompts get it), and an EOS after the last trained turn when the template
/// ends a turn without one, so the model learns to stop (TRL appends it the same way). Plain prompt/completion text
/// is BOS + prompt + completion + EOS, trained on the completion.
/// </summary>
internal sealed class SftEncoder(ITokenizer tokenizer, ChatTemplate? template, SftLossOn lossOn)
{
    public SftTokenizedExample Encode(SftExample example)
    {
        List<int> ids;
        List<bool> trained;
        if (example.IsPlainText)
        {
            var prompt = tokenizer.Encode(string.Concat(example.Prompt.Select(m => m.Content)));
            var completion = tokenizer.Encode(string.Concat(example.Completion.Select(m => m.Content)));
            ids = [.. prompt, .. completion];
            trained = [.. prompt.Select(_ => lossOn == SftLossOn.All), .. completion.Select(_ => true)];
        }
        else
        {
            var chat = (template ?? throw new InvalidOperationException("conversations need a chat template"))
                .RenderWithSpans(example.Messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList(), addGenerationPrompt: false);
            var prompt = PromptLength(example);
            var masked = ChatTokenMask.Encode(tokenizer, chat, span => lossOn != SftLossOn.Completion || span.MessageIndex >= prompt);
            ids = [.. masked.Ids];
            trained = lossOn == SftLossOn.All ? [.. masked.Ids.Select(_ => true)] : [.. masked.Trained];
        }
        if (tokenizer.EosId >= 0 && LastTrainedRunLacksEos(ids, trained))
        {
            ids.Add(tokenizer.EosId);
            trained.Add(true);
        }
        if (tokenizer.BosId >= 0 && (ids.Count == 0 || ids[0] != tokenizer.BosId))
        {
            ids.Insert(0, tokenizer.BosId);
            trained.Insert(0, false);
        }
        return new SftTokenizedExample([.. ids], [.. trained]);
    }

    /// <summary>
    /// The messages before the completion: the prompt of prompt/completion data, else everything before the last
    /// assistant turn (a conversation's completion is its last answer).
    /// </summary>
    public static int PromptLength(SftExample example) => example.PromptMessageCount > 0
        ? example.PromptMessageCount
        : example.Messages.Select((m, i) => (m, i)).Last(x => x.m.Role == "assistant").i;

    /// <summary>A held-out example's prompt (rendered with the generation prompt) and its reference answer.</summary>
    public SftSamplePrompt Sample(SftExample example)
    {
        var prompt = example.Messages.Take(PromptLength(example)).ToList();
        var reference = string.Concat(example.Messages.Skip(prompt.Count).Select(m => m.Content));
        var text = example.IsPlainText || template is null
            ? string.Concat(prompt.Select(m => m.Content))
            : template.Render(prompt.Select(m => new ChatMessage(m.Role, m.Content)).ToList(), addGenerationPrompt: true);
        return new SftSamplePrompt(text, reference);
    }

    bool LastTrainedRunLacksEos(List<int> ids, List<bool> trained)
    {
        var last = trained.LastIndexOf(true);
        if (last < 0 || last != ids.Count - 1) return false; // text after the last answer: the template ends turns itself
        for (var i = last; i >= 0 && trained[i]; i--)
            if (ids[i] == tokenizer.EosId) return false;
        return true;
    }
}
