namespace Tsumugi.Generation;

/// <summary>Why generation ended, as in the OpenAI API: a stop id or stop string ("stop"), or the token limit ("length").</summary>
public enum FinishReason
{
    Stop,
    Length,
}
