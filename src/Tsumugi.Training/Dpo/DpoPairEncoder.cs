using Tsumugi.Datasets.Sampling;
using Tsumugi.Datasets.Sft;
using Tsumugi.Training.Sft;

namespace Tsumugi.Training.Dpo;

/// <summary>
/// One preference pair as two conversations sharing a prompt, encoded like SFT with the loss on the completion only
/// (TRL's completion_mask): the prompt is rendered by the chat template, tokens are the whole text's, and each row is cut
/// to the row length keeping its start (TRL's <c>truncation_mode: keep_start</c>).
/// </summary>
internal sealed class DpoPairEncoder(SftEncoder encoder, int rowLength, int padId)
{
    /// <summary>Both rows, or why the pair cannot train (a prompt that fills the whole row leaves no completion token).</summary>
    public (TrainingSample Chosen, TrainingSample Rejected, bool Truncated)? Encode(SftExample chosen, SftExample rejected, out string? problem)
    {
        var c = encoder.Encode(chosen);
        var r = encoder.Encode(rejected);
        problem = null;
        var truncated = c.Length > rowLength || r.Length > rowLength;
        var chosenRow = Row(c);
        var rejectedRow = Row(r);
        if (chosenRow is null || rejectedRow is null)
        {
            problem = $"the prompt fills the row of {rowLength:N0} tokens (train.seq_length + 1): no {(chosenRow is null ? "chosen" : "rejected")} completion token is left";
            return null;
        }
        return (chosenRow, rejectedRow, truncated);
    }

    TrainingSample? Row(SftTokenizedExample example)
    {
        var length = Math.Min(rowLength, example.Length);
        var tokens = new int[rowLength];
        var labels = new int[rowLength];
        Array.Fill(tokens, padId);
        Array.Fill(labels, SamplerOptions.IgnoreLabel);
        var scored = 0;
        for (var k = 0; k < length; k++)
        {
            tokens[k] = example.Ids[k];
            if (k > 0 && example.Trained[k])
            {
                labels[k] = example.Ids[k];
                scored++;
            }
        }
        return scored == 0 ? null : new TrainingSample(tokens, labels, [length], rowLength - length, 0);
    }
}
