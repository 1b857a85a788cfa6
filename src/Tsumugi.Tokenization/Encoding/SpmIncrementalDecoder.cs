using System.Buffers;
using System.Text;
using Tsumugi.Tokenization.Spm;

namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// Turns token ids into text deltas as they are generated, so that the concatenated deltas always equal
/// <see cref="SpmTokenizer.Decode"/> of all ids. It mirrors Decode's state (the "beginning of text" flag for dropping
/// the first piece's "▁", and the current run of byte pieces) instead of re-decoding everything each step. A run of
/// byte-fallback pieces (<c>&lt;0xE3&gt;&lt;0x81&gt;&lt;0x82&gt;</c> = "あ") is held back while it is the start of a
/// valid UTF-8 character, so a delta never ends in half a character; bytes that can no longer become one turn into
/// U+FFFD immediately, exactly as Decode does.
/// </summary>
public sealed class SpmIncrementalDecoder : IIncrementalDecoder
{
    readonly SpmModel _model;
    readonly bool _strip, _suffix;
    readonly List<byte> _bytes = [];
    bool _atStart = true;
    bool _heldSpace;

    public SpmIncrementalDecoder(SpmTokenizer tokenizer)
    {
        _model = tokenizer.Model;
        _strip = _model.NormalizerSpec.AddDummyPrefix || _model.NormalizerSpec.RemoveExtraWhitespaces;
        _suffix = _model.TrainerSpec.TreatWhitespaceAsSuffix;
    }

    /// <summary>Adds one id; returns the text that is now final (possibly empty).</summary>
    public string Add(int id)
    {
        if ((uint)id >= (uint)_model.Pieces.Count)
            throw new ArgumentOutOfRangeException(nameof(id), $"id {id} is out of range; the vocabulary has {_model.Pieces.Count} pieces");
        var sb = new StringBuilder();
        var p = _model.Pieces[id];
        if (p.Type == PieceType.Byte)
        {
            _bytes.Add(Convert.ToByte(p.Piece.Substring(3, 2), 16));
            DrainBytes(sb, final: false);
            return Release(sb);
        }
        DrainBytes(sb, final: true);
        switch (p.Type)
        {
            case PieceType.Control: break;
            case PieceType.Unknown: Emit(sb, _model.TrainerSpec.UnkSurface); break;
            default:
                var piece = p.Piece;
                if (_atStart && !_suffix && _strip && piece.StartsWith('\u2581')) piece = piece[1..];
                Emit(sb, piece.Replace('\u2581', ' '));
                break;
        }
        return Release(sb);
    }

    /// <summary>Ends the sequence: an unfinished byte run becomes U+FFFD per byte, as in Decode.</summary>
    public string Finish()
    {
        var sb = new StringBuilder();
        DrainBytes(sb, final: true);
        return Release(sb, final: true);
    }

    /// <summary>Decodes complete characters from the byte run; keeps a valid but unfinished tail unless <paramref name="final"/>.</summary>
    void DrainBytes(StringBuilder sb, bool final)
    {
        int start = 0;
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_bytes);
        while (start < span.Length)
        {
            var status = Rune.DecodeFromUtf8(span[start..], out var rune, out int consumed);
            if (status == OperationStatus.Done) { Emit(sb, rune.ToString()); start += consumed; continue; }
            if (status == OperationStatus.NeedMoreData && !final) break;
            Emit(sb, "\uFFFD"); // sentencepiece replaces one invalid byte at a time
            start++;
        }
        _bytes.RemoveRange(0, start);
    }

    void Emit(StringBuilder sb, string surface)
    {
        if (surface.Length == 0) return;
        sb.Append(surface);
        _atStart = false;
    }

    /// <summary>
    /// Whitespace-as-suffix models: Decode removes the final trailing space, so a trailing space is only released once
    /// more text follows it.
    /// </summary>
    string Release(StringBuilder sb, bool final = false)
    {
        if (!(_suffix && _strip)) return sb.ToString();
        var text = (_heldSpace ? " " : "") + sb;
        bool trailing = text.EndsWith(' ');
        _heldSpace = trailing && !final; // at the end the held space is the one Decode drops
        return trailing ? text[..^1] : text;
    }
}
