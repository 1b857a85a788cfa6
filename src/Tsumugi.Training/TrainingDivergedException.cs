namespace Tsumugi.Training;

/// <summary>The spike guard rolled back more often than <c>guard.max_rollbacks</c> allows: the run is diverging.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
