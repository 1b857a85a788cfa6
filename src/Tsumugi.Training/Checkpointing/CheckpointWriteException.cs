namespace Tsumugi.Training.Checkpointing;

/// <summary>A checkpoint could not be written (disk full, permissions); the earlier checkpoints are intact.</summary>
public sealed class CheckpointWriteException(string message, Exception inner) : IOException(message, inner);
