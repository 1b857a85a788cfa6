using Tsumugi.Tokenization;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Generation.Chat.Templates;

/// <summary>The token ids of a rendered chat and, per token, whether SFT trains on it (it lies in a trained span).</summary>
public sealed record MaskedTokens(IReadOnlyList<int> Ids, IReadOnlyList<bool> Trained);

/// <summary>
/// Maps the character spans of <see cref="ChatTemplate.RenderWithSpans(IReadOnlyList{ChatMessage}, bool, System.Text.Json.Nodes.JsonObject?)"/>
/// to tokens. The whole text is encoded once with <see cref="PromptEncoding"/> (control-token texts such as &lt;s&gt;
/// become their ids, no BOS added: transformers tokenises a rendered template with add_special_tokens=False), so the ids
/// are exactly those a prompt of the same text gets at inference. A span boundary at character c becomes a token
/// boundary by encoding the text before c on its own: the tokens it shares with the whole encoding lie before the
/// boundary. A token that straddles a span's start (a merged leading space) is trained; one that straddles its end is not.
/// </summary>
public static class ChatTokenMask
{
    /// <param name="trains">Which spans are trained (default: all of them — every assistant turn).</param>
    public static MaskedTokens Encode(ITokenizer tokenizer, RenderedChat chat, Func<MessageSpan, bool>? trains = null)
    {
        var ids = PromptEncoding.Encode(tokenizer, chat.Text, addBos: false);
        var trained = new bool[ids.Count];
        int pos = 0;
        foreach (var span in chat.Spans.OrderBy(s => s.Start))
        {
            if (span.Start < pos) throw new ArgumentException($"assistant spans overlap at character {span.Start}", nameof(chat));
            pos = span.End;
            if (trains is not null && !trains(span)) continue;
            int from = TokenBoundary(tokenizer, chat.Text, span.Start, ids), to = TokenBoundary(tokenizer, chat.Text, span.End, ids);
            for (int t = from; t < to; t++) trained[t] = true;
        }
        return new MaskedTokens(ids, trained);
    }

    /// <summary>Tokens of <paramref name="whole"/> that lie entirely before character <paramref name="at"/>.</summary>
    static int TokenBoundary(ITokenizer tokenizer, string text, int at, IReadOnlyList<int> whole)
    {
        if (at <= 0) return 0;
        if (at >= text.Length) return whole.Count;
        var prefix = PromptEncoding.Encode(tokenizer, text[..at], addBos: false);
        int n = 0;
        while (n < prefix.Count && n < whole.Count && prefix[n] == whole[n]) n++;
        // The prefix's last token may be a shorter piece of a token that continues past the boundary: not shared, so
        // the common part ends before it — unless the whole prefix matched, which is the clean case.
        return n;
    }
}
