using Tsumugi.Datasets.Sampling;
using Tsumugi.Training.Sft;

namespace Tsumugi.Training.Dpo;

/// <summary>
/// What a preference run trains on. <see cref="Chat"/> is what it shares with SFT (the data plan, run length, tokenizer,
/// chat template, held-out prompts for samples.jsonl). The plan's rows come in pairs that stay together through
/// shuffling and micro-batching: row 2k is the chosen sequence (KTO: the example), row 2k+1 the rejected one (KTO: the
/// same prompt with another example's completion, the input of the KL estimate). Both are labelled on the completion only.
/// </summary>
/// <param name="Train">The training rows, pair by pair.</param>
/// <param name="Validation">Held-out rows, pair by pair (preference accuracy is measured on them).</param>
/// <param name="RowIndex">Row object → its number (training rows first, then validation rows): the key of cached reference log-probs.</param>
/// <param name="Desirable">KTO: per pair (row number / 2), whether its example is desirable; null for paired data.</param>
/// <param name="Identity">A fingerprint of every row's tokens and labels, so a reference cache built for other data is never reused.</param>
public sealed record DpoRunData(SftRunData Chat, IReadOnlyList<TrainingSample> Train, IReadOnlyList<TrainingSample> Validation,
    IReadOnlyDictionary<TrainingSample, int> RowIndex, IReadOnlyList<bool>? Desirable, string Identity)
{
    /// <summary>Every row, training then validation, numbered as <see cref="RowIndex"/>: what the reference pass scores.</summary>
    public IReadOnlyList<TrainingSample> AllRows => [.. Train, .. Validation];
}
