namespace Tsumugi.Modeling.Checkpoints;

/// <summary>A module that can say which of its config values makes a tensor expected or not, for load errors.</summary>
public interface ICheckpointExplainer
{
    /// <summary>Why <paramref name="tensor"/> is expected (<paramref name="missing"/>: the checkpoint lacks it) or not expected; null when there is nothing specific to say.</summary>
    string? ExplainMismatch(string tensor, bool missing);
}
