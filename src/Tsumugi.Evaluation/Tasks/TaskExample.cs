namespace Tsumugi.Evaluation.Tasks;

/// <summary>
/// One sample or few-shot example: input and gold output. Multiple-choice items also carry their choices and the
/// gold choice's index; their <see cref="Output"/> is then the gold choice's text.
/// </summary>
public sealed record TaskExample(string Input, string Output, IReadOnlyList<string>? Choices = null, int? GoldIndex = null);
