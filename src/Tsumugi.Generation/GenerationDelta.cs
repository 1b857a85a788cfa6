namespace Tsumugi.Generation;

/// <summary>
/// A piece of streamed text: only whole UTF-8 characters, never any part of a stop string. The last delta of a stream
/// carries the <see cref="Final"/> result (its text may be empty); all deltas concatenated equal Final.Text.
/// </summary>
public sealed record GenerationDelta(string Text, GenerationResult? Final = null);
