namespace Tsumugi.Training.Config;

/// <summary>Which command a config is read for: the data section and the post-training sections allowed depend on it.</summary>
public enum RunKind
{
    /// <summary><c>tsumugi train</c>: tokenized datasets, curriculum stages.</summary>
    Pretrain,

    /// <summary><c>tsumugi sft</c>: instruction files and an <c>sft:</c> section.</summary>
    Sft,

    /// <summary><c>tsumugi dpo</c>: preference files and a <c>dpo:</c> section.</summary>
    Preference,

    /// <summary><c>tsumugi dpo online</c>: an <c>online:</c> section (prompts, sampling, reward) and a <c>dpo:</c> section; the loop writes each iteration's data.</summary>
    OnlinePreference,
}
