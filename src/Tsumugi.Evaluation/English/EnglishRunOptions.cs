namespace Tsumugi.Evaluation.English;

/// <summary>
/// How to run the English tasks. <see cref="Shots"/> null: each task's harness default (num_fewshot in its YAML: 5 for
/// GSM8K, else 0). <see cref="Limit"/>: the first N documents (per subject for MMLU, as the harness applies --limit per
/// task). <see cref="MaxGenTokens"/>: the harness's max_gen_toks default. <see cref="AddBos"/>: the harness's
/// add_bos_token model argument (off by default there).
/// </summary>
public sealed record EnglishRunOptions(int? Shots = null, int? Limit = null, int BatchSize = 1, int MaxGenTokens = 256, bool AddBos = false)
{
    public int ShotsFor(EnglishTask task) => Shots ?? task.DefaultShots;

    public void Validate()
    {
        if (Shots is < 0) throw new ArgumentException($"--shots must be ≥ 0 (got {Shots}).");
        if (Limit is < 1) throw new ArgumentException($"--limit must be ≥ 1 (got {Limit}).");
        if (BatchSize < 1) throw new ArgumentException($"--batch-size must be ≥ 1 (got {BatchSize}).");
        if (MaxGenTokens < 1) throw new ArgumentException($"--max-gen-tokens must be ≥ 1 (got {MaxGenTokens}).");
    }
}
