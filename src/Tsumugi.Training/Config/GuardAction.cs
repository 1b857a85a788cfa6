namespace Tsumugi.Training.Config;

/// <summary><c>guard.action</c>: what the loop does with a loss spike.</summary>
public enum GuardAction
{
    /// <summary>Drop the update; the step still counts and its data is consumed (llm.c).</summary>
    Skip,

    /// <summary>Reload the newest checkpoint and move the data past the window that led to the spike (PaLM).</summary>
    Rollback,
}
