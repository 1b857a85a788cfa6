namespace Tsumugi.Evaluation.English;

/// <summary>
/// One document of an English task after the harness's processing: <see cref="Text"/> is its <c>doc_to_text</c>
/// (the question part of the prompt). Multiple choice: <see cref="Choices"/> (the continuations, without the target
/// delimiter) and the <see cref="Gold"/> index. Generation: the gold <see cref="Answers"/> (any one counts) and no
/// choices. <see cref="FewShotTarget"/> is what follows the text when the document serves as a few-shot example
/// (the gold choice; GSM8K's full worked answer; TriviaQA's first alias). <see cref="Where"/> names file and line.
/// </summary>
public sealed record EnglishDoc(string Text, IReadOnlyList<string> Choices, int Gold, IReadOnlyList<string> Answers, string FewShotTarget, string Where)
{
    /// <summary>MMLU's subject (file name without _test.csv / _dev.csv); null for the other tasks.</summary>
    public string? Subject { get; init; }

    /// <summary>
    /// The few-shot target is doc_to_target's own string (GSM8K's answer), not a choice index or an alias list: only then
    /// does the harness's <c>if doc_target != ""</c> leave an empty target out of a few-shot example.
    /// </summary>
    public bool TextTarget { get; init; }

    /// <summary>The harness drops a sampled few-shot document equal to the evaluated one (Python dict equality).</summary>
    public bool SameContent(EnglishDoc other) => Text == other.Text && FewShotTarget == other.FewShotTarget
        && Choices.SequenceEqual(other.Choices) && Answers.SequenceEqual(other.Answers) && Gold == other.Gold;
}
