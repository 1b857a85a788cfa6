using System.Text.RegularExpressions;

namespace Tsumugi.Modeling.Checkpoints;

/// <summary>One classic-layout Mixtral tensor that lives inside a transformers-v5 fused tensor: a contiguous run of
/// <see cref="ElementCount"/> elements starting <see cref="ElementOffset"/> elements into <see cref="FusedName"/>.</summary>
public sealed record FusedMoePart(string ClassicName, string FusedName, long ElementOffset, long[] Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>
/// The transformers-v5 fused Mixtral layout (<c>conversion_mapping.py</c>, written by mergekit HEAD) seen through the
/// classic names our modules use. <c>mlp.gate.weight</c> [E, h] is <c>block_sparse_moe.gate.weight</c>;
/// <c>mlp.experts.gate_up_proj</c> [E, 2I, h] holds per expert w1 then w3 (concatenated on dim 1), and
/// <c>mlp.experts.down_proj</c> [E, h, I] holds w2. Each classic tensor is a contiguous slice of its fused tensor, so
/// readers fetch it with one offset read and nothing is ever copied whole.
/// </summary>
public static partial class FusedMoeLayout
{
    /// <summary>The classic tensors <paramref name="name"/> holds when it is a fused MoE tensor; empty otherwise.</summary>
    public static IReadOnlyList<FusedMoePart> Parts(string name, long[] shape)
    {
        var m = FusedName().Match(name);
        if (!m.Success) return [];
        string prefix = m.Groups[1].Value; // "model.layers.N."
        string classic = prefix + "block_sparse_moe.";
        switch (m.Groups[2].Value)
        {
            case "gate.weight":
                Expect(name, shape, 2, "[experts, hidden]");
                return [new FusedMoePart(classic + "gate.weight", name, 0, shape)];
            case "experts.gate_up_proj":
            {
                Expect(name, shape, 3, "[experts, 2·intermediate, hidden]");
                if (shape[1] % 2 != 0) throw new CheckpointException($"tensor '{name}': dim 1 ({shape[1]}) must be 2·intermediate_size (w1 and w3 stacked).");
                long e = shape[0], i = shape[1] / 2, h = shape[2];
                var parts = new List<FusedMoePart>();
                for (long k = 0; k < e; k++)
                {
                    parts.Add(new FusedMoePart($"{classic}experts.{k}.w1.weight", name, k * 2 * i * h, [i, h]));
                    parts.Add(new FusedMoePart($"{classic}experts.{k}.w3.weight", name, k * 2 * i * h + i * h, [i, h]));
                }
                return parts;
            }
            default: // experts.down_proj
            {
                Expect(name, shape, 3, "[experts, hidden, intermediate]");
                long e = shape[0], h = shape[1], i = shape[2];
                return Enumerable.Range(0, (int)e).Select(k => new FusedMoePart($"{classic}experts.{k}.w2.weight", name, k * h * i, [h, i])).ToList();
            }
        }
    }

    /// <summary>Classic name → part, for every fused tensor among <paramref name="entries"/>.</summary>
    public static Dictionary<string, FusedMoePart> ClassicView(IEnumerable<SafetensorsEntry> entries)
    {
        var view = new Dictionary<string, FusedMoePart>(StringComparer.Ordinal);
        foreach (var entry in entries)
            foreach (var part in Parts(entry.Name, entry.Shape))
                if (!view.TryAdd(part.ClassicName, part))
                    throw new CheckpointException($"tensor '{part.ClassicName}' is given twice by the fused tensors ('{view[part.ClassicName].FusedName}', '{part.FusedName}').");
        return view;
    }

    static void Expect(string name, long[] shape, int rank, string what)
    {
        if (shape.Length != rank)
            throw new CheckpointException($"tensor '{name}' has shape [{string.Join(", ", shape)}]; the fused Mixtral layout has {what}.");
    }

    [GeneratedRegex(@"^(.*\blayers\.\d+\.)mlp\.(gate\.weight|experts\.gate_up_proj|experts\.down_proj)$")]
    private static partial Regex FusedName();
}
