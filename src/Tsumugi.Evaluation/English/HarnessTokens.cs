using Tsumugi.Evaluation.Scoring;
using Tsumugi.Generation;

namespace Tsumugi.Evaluation.English;

/// <summary>
/// Token ids the way lm-evaluation-harness's HF backend makes them (huggingface.py <c>_encode_pair</c>): trailing
/// whitespace of the context moves to the front of the continuation; context + continuation is encoded as one string
/// and the context alone; the continuation is whatever follows the <em>first len(context tokens)</em> tokens of the
/// whole. This is not <see cref="Tasks.ChoiceTokens"/>' rule (continuation after the longest common token prefix): the
/// two agree whenever the context's tokens are a prefix of the whole's — with the " " target delimiter that is every
/// SentencePiece ("▁Paris" starts a piece) and byte-level BPE (the pre-tokenizer splits before a space) case we know —
/// but where a token straddles the boundary the harness counts by length, so we do too.
/// <para>
/// BOS: the harness encodes with <c>add_special_tokens=False</c> unless the model is run with
/// <c>add_bos_token=True</c>, so by default no BOS is added; <paramref name="addBos"/> is that switch. Over-long rows
/// keep their last tokens (left truncation, as the harness).
/// </para>
/// </summary>
public static class HarnessTokens
{
    public static long[] Encode(PretrainedModel model, string text, bool addBos)
    {
        var ids = model.Tokenizer.Encode(text).Select(i => (long)i);
        return addBos && model.Tokenizer.BosId >= 0 ? [model.Tokenizer.BosId, .. ids] : ids.ToArray();
    }

    public static ScoreRequest Loglikelihood(PretrainedModel model, string context, string continuation, bool addBos, int maxTokens)
    {
        int spaces = context.Length - context.TrimEnd().Length;
        if (spaces > 0) (context, continuation) = (context[..^spaces], context[^spaces..] + continuation);
        long[] contextIds, continuationIds;
        if (context.Length == 0)
        {
            // The harness scores an empty context after its prefix token (BOS, else EOS).
            contextIds = [model.Tokenizer.BosId >= 0 ? model.Tokenizer.BosId : model.Tokenizer.EosId];
            continuationIds = Encode(model, continuation, addBos: false);
        }
        else
        {
            var whole = Encode(model, context + continuation, addBos);
            contextIds = Encode(model, context, addBos);
            continuationIds = contextIds.Length < whole.Length ? whole[contextIds.Length..] : [];
        }
        if (continuationIds.Length == 0)
            throw new InvalidDataException($"continuation '{continuation}' adds no tokens after its context; choices must be non-empty text.");
        long[] ids = [.. contextIds, .. continuationIds];
        if (ids.Length > maxTokens) ids = ids[(ids.Length - maxTokens)..];
        return new ScoreRequest(ids, Math.Max(1, ids.Length - continuationIds.Length));
    }
}
