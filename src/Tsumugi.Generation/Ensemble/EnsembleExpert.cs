namespace Tsumugi.Generation.Ensemble;

/// <summary>One expert of an ensemble.json: its name (the domain it was trained on) and its model directory, relative to the ensemble directory.</summary>
public sealed record EnsembleExpert(string Name, string Path);
