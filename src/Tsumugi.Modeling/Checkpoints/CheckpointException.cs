namespace Tsumugi.Modeling.Checkpoints;

/// <summary>A checkpoint file or directory that cannot be read or does not fit the model. The message is one line
/// naming the file (and tensor or field) and what to do, so a CLI can print it as is.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message) : base(message) { }
    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}
