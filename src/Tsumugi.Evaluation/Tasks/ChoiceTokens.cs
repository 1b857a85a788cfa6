using Tsumugi.Evaluation.Scoring;
using Tsumugi.Generation;

namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// The tokens of one multiple-choice continuation. The context and context + choice are each encoded as a whole
/// (BOS first); the continuation is everything after their longest common token prefix. Encoding the choice on its own
/// would give SentencePiece a fresh word start ("▁") the model never sees mid-text; encoding the whole string keeps the
/// tokens the model would actually read, and a token that straddles the boundary is counted with the choice.
/// Over-long rows keep their end (left truncation), as the harness does.
/// </summary>
public static class ChoiceTokens
{
    public static ScoreRequest Request(PretrainedModel model, string context, string choice, int maxTokens)
    {
        var contextIds = model.Encode(context);
        var ids = model.Encode(context + choice);
        int common = 0;
        while (common < contextIds.Length && common < ids.Length && contextIds[common] == ids[common]) common++;
        if (common == ids.Length) throw new InvalidDataException($"choice '{choice}' adds no tokens to its context; choices must be non-empty text.");
        int start = Math.Max(1, common);
        if (ids.Length > maxTokens)
        {
            int drop = ids.Length - maxTokens;
            ids = ids[drop..];
            start = Math.Max(1, start - drop);
        }
        return new ScoreRequest(ids, start);
    }
}
