using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Generation.Chat.Templates;

/// <summary>The token ids of a rendered chat and, per token, whether SFT trains on it (it lies in an assistant span).</summary>
public sealed record MaskedTokens(IReadOnlyList<int> Ids, IReadOnlyList<bool> Trained);

/// <summary>
/// Maps the character spans of <see cref="ChatTemplate.RenderWithSpans(IReadOnlyList{ChatMessage}, bool, System.Text.Json.Nodes.JsonObject?)"/>
/// to tokens. The text is cut at every span boundary and each piece is encoded on its own with
/// <see cref="PromptEncoding"/> (control-token texts such as &lt;s&gt; become their ids, no BOS added: transformers
/// tokenises a rendered template with add_special_tokens=False), so no token straddles a boundary and the mask is
/// exact. Near a boundary the tokens can differ from encoding the whole text at once, as with any prompt/completion
/// split; training and this mask use the same cut.
/// </summary>
public static class ChatTokenMask
{
    public static MaskedTokens Encode(SpmTokenizer tokenizer, RenderedChat chat)
    {
        var ids = new List<int>();
        var trained = new List<bool>();
        void Add(int start, int end, bool train)
        {
            if (end <= start) return;
            var piece = PromptEncoding.Encode(tokenizer, chat.Text[start..end], addBos: false);
            ids.AddRange(piece);
            trained.AddRange(Enumerable.Repeat(train, piece.Count));
        }
        int pos = 0;
        foreach (var span in chat.Spans.OrderBy(s => s.Start))
        {
            if (span.Start < pos) throw new ArgumentException($"assistant spans overlap at character {span.Start}", nameof(chat));
            Add(pos, span.Start, train: false);
            Add(span.Start, span.End, train: true);
            pos = span.End;
        }
        Add(pos, chat.Text.Length, train: false);
        return new MaskedTokens(ids, trained);
    }
}
