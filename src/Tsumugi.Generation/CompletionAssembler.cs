using Tsumugi.Tokenization;
using System.Text;
using Tsumugi.Tokenization.Encoding;

namespace Tsumugi.Generation;

/// <summary>
/// Turns sampled ids, one at a time, into streamable text and the final <see cref="GenerationResult"/>: UTF-8-safe
/// detokenising (<see cref="IIncrementalDecoder"/>), stop strings (<see cref="StopSequenceMatcher"/>), stop ids and
/// the usage counts. The same bookkeeping serves one-at-a-time, batched and continuously batched decoding.
/// </summary>
public sealed class CompletionAssembler(ITokenizer tokenizer, IReadOnlyCollection<int> stopIds, SamplingOptions options, int promptTokens)
{
    readonly IIncrementalDecoder _detokenizer = tokenizer.CreateIncrementalDecoder();
    readonly StopSequenceMatcher _stops = new(options.Stop);
    readonly List<int> _ids = [];
    readonly StringBuilder _text = new();
    int _completion;
    bool _stopId;
    string _held = ""; // text released together with the result

    /// <summary>A stop id or stop string has ended the completion; further ids are not wanted.</summary>
    public bool Done { get; private set; }

    /// <summary>Adds one sampled id and returns the text it releases now ("" when none).</summary>
    public string Push(int id)
    {
        if (Done) throw new InvalidOperationException("The completion has already ended.");
        _completion++;
        if (stopIds.Contains(id))
        {
            _stopId = Done = true;
            return "";
        }
        _ids.Add(id);
        var delta = _stops.Push(_detokenizer.Add(id));
        _text.Append(delta);
        if (!_stops.Stopped) return delta;
        _held = delta;
        Done = true;
        return "";
    }

    /// <summary>The last delta, carrying the result; call once no more ids come (done, or the token limit reached).</summary>
    public GenerationDelta Finish()
    {
        if (!_stops.Stopped)
        {
            // A byte run still open at the end decodes now; a stop string can even complete inside it.
            _held = _stops.Push(_detokenizer.Finish());
            if (!_stops.Stopped) _held += _stops.Flush();
            _text.Append(_held);
        }
        var reason = _stopId || _stops.Stopped ? FinishReason.Stop : FinishReason.Length;
        return new GenerationDelta(_held, new GenerationResult(_text.ToString(), _ids, reason, promptTokens, _completion));
    }
}
