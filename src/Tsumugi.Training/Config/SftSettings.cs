namespace Tsumugi.Training.Config;

/// <summary><c>sft:</c> how an SFT run turns conversations into trained tokens (read only by <c>tsumugi sft</c>).</summary>
public sealed record SftSettings
{
    /// <summary>Which tokens the loss is taken on.</summary>
    public SftLossOn LossOn { get; init; } = SftLossOn.Assistant;

    /// <summary>
    /// The chat template: a built-in name (chatml, llama2, instruction) or a .jinja file. Null: the base model's own
    /// (tokenizer_config.json / chat_template.jinja). The trained model's tokenizer_config.json records it either way,
    /// so chat, serve and eval render exactly what was trained.
    /// </summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Passes over the training rows when neither train.max_steps nor train.tokens is set.</summary>
    public double Epochs { get; init; } = 1;

    /// <summary>NEFTune noise α on the embeddings while training (TRL's neftune_noise_alpha; 5 is the paper's value); 0 = off.</summary>
    public double NeftuneAlpha { get; init; }

    /// <summary>Held-out prompts answered (greedy) at every evaluation into RUN_DIR/samples.jsonl; 0 = none.</summary>
    public int Samples { get; init; } = 4;

    /// <summary>New tokens per logged answer at most.</summary>
    public int SampleMaxTokens { get; init; } = 64;
}

/// <summary>The tokens an SFT loss covers.</summary>
public enum SftLossOn
{
    /// <summary>Every assistant turn of the conversation (TRL's assistant_only_loss), each with its end-of-turn marker.</summary>
    Assistant,

    /// <summary>Only the completion: the assistant turns after the prompt (the last answer for chats; the completion of prompt/completion data).</summary>
    Completion,

    /// <summary>Every token but each example's first.</summary>
    All,
}
