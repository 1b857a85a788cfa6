namespace Tsumugi.Evaluation.Datasets;

/// <summary>One llm-jp-eval sample: the prompt input and the gold output (llm-jp-eval's <c>Sample</c> dataclass).</summary>
public sealed record EvalSample(string Input, string Output);
