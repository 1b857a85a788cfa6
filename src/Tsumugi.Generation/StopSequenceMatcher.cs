using System.Text;

namespace Tsumugi.Generation;

/// <summary>
/// Finds stop strings in streamed text. A stop string may arrive split across tokens ("\n" + "\n###"), so the longest
/// tail of the text that could still grow into a stop string is held back; once a stop string is complete the text
/// before it is released and nothing after it ever is. The released pieces concatenate to the text with the first
/// stop string and everything after it removed (OpenAI/vLLM semantics: the stop string is not part of the output).
/// </summary>
public sealed class StopSequenceMatcher
{
    readonly string[] _stops;
    readonly StringBuilder _pending = new();

    public StopSequenceMatcher(IEnumerable<string> stops)
    {
        _stops = stops.ToArray();
        if (_stops.Any(string.IsNullOrEmpty)) throw new ArgumentException("stop sequences must not be empty strings.", nameof(stops));
    }

    /// <summary>True once a stop string has been seen; <see cref="Push"/> then releases nothing more.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Adds generated text; returns the part that can no longer be the start of a stop string.</summary>
    public string Push(string delta)
    {
        if (Stopped) return "";
        _pending.Append(delta);
        if (_stops.Length == 0) return Take(_pending.Length);
        var text = _pending.ToString();
        int first = -1;
        foreach (var stop in _stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0)
        {
            Stopped = true;
            var before = text[..first];
            _pending.Clear();
            return before;
        }
        return Take(text.Length - HeldBack(text));
    }

    /// <summary>Ends the text without a stop string: everything held back is released.</summary>
    public string Flush() => Stopped ? "" : Take(_pending.Length);

    /// <summary>Length of the longest suffix of <paramref name="text"/> that is a proper prefix of a stop string.</summary>
    int HeldBack(string text)
    {
        int best = 0;
        foreach (var stop in _stops)
            for (int n = Math.Min(stop.Length - 1, text.Length); n > best; n--)
                if (text.AsSpan(text.Length - n).SequenceEqual(stop.AsSpan(0, n))) { best = n; break; }
        return best;
    }

    string Take(int count)
    {
        var released = _pending.ToString(0, count);
        _pending.Remove(0, count);
        return released;
    }
}
