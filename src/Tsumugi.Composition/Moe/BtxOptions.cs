namespace Tsumugi.Composition.Moe;

/// <summary>
/// Branch-Train-MiX assembly (<see cref="BranchTrainMix.Assemble"/>): K dense experts trained apart become one Mixtral.
/// Expert e comes from source ⌊e / ExpertsPerSource⌋; every non-FFN weight is the plain mean of the K sources.
/// </summary>
/// <param name="Models">The K dense HF model directories (same architecture and shapes), in expert order.</param>
/// <param name="Output">Directory to create (must not exist or be empty); the tokenizer comes from the first model.</param>
/// <param name="ExpertsPerSource">MoE experts copied from each source's MLP (Drop-Upcycling's branch_train_mix uses 2).</param>
/// <param name="TopK">num_experts_per_tok.</param>
/// <param name="DropRatio">Drop-Upcycling ratio applied to every expert (0 = plain copies).</param>
/// <param name="Seed">Seeds the router and any Drop-Upcycling draws.</param>
/// <param name="RouterStd">Standard deviation of the torch_rand_002 router init.</param>
/// <param name="AuxLossCoef">router_aux_loss_coef written to config.json.</param>
public sealed record BtxOptions(
    IReadOnlyList<string> Models, string Output, int ExpertsPerSource, int TopK, double DropRatio = 0, ulong Seed = 42,
    double RouterStd = 0.02, double AuxLossCoef = 0.01, long MaxShardBytes = 5L << 30, Action<int, int>? Progress = null);
