namespace Tsumugi.Composition.Moe;

/// <summary>
/// Sparse upcycling of one dense Llama/Mistral into a Mixtral (<see cref="Upcycler.Run"/>).
/// </summary>
/// <param name="Model">Dense HF model directory.</param>
/// <param name="Output">Directory to create (must not exist or be empty).</param>
/// <param name="Experts">num_local_experts: every expert starts as a copy of the dense MLP.</param>
/// <param name="TopK">num_experts_per_tok.</param>
/// <param name="DropRatio">Drop-Upcycling's r in [0, 1]: the share of each expert's intermediate channels re-drawn (0 = plain copies).</param>
/// <param name="Seed">Seeds the router and the Drop-Upcycling subsets and draws.</param>
/// <param name="RouterStd">Standard deviation of the zero-mean uniform router init (torch_rand_002: 0.02).</param>
/// <param name="AuxLossCoef">router_aux_loss_coef written to config.json.</param>
/// <param name="MaxShardBytes">Largest safetensors shard.</param>
/// <param name="Progress">Called after each tensor with (done, total).</param>
public sealed record UpcycleOptions(
    string Model, string Output, int Experts, int TopK, double DropRatio = 0, ulong Seed = 42, double RouterStd = 0.02,
    double AuxLossCoef = 0.01, long MaxShardBytes = 5L << 30, Action<int, int>? Progress = null);
