using static TorchSharp.torch;

namespace Tsumugi.Training.Continued;

/// <summary>Builds a grown [vocab, hidden] matrix (embedding or LM head) from the old one by a <see cref="RowPlan"/>.</summary>
internal static class EmbeddingRows
{
    /// <summary>Old rows gathered at once while averaging, at most this many bytes in fp32 (bounds memory at 7B scale).</summary>
    const long GatherBytes = 64L << 20;

    /// <summary>
    /// The new matrix, same dtype and device as <paramref name="old"/>. Copied rows are bit-exact (index_select /
    /// index_copy, no arithmetic). Means are accumulated in fp32 and rounded once to the model dtype, so a bf16
    /// model gets the correctly rounded mean of its bf16 rows rather than a bf16 running sum.
    /// </summary>
    public static Tensor Build(Tensor old, RowPlan plan)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long hidden = old.shape[1];
        var device = old.device;
        var result = zeros([plan.NewVocabSize, hidden], old.dtype, device);
        if (plan.CopyTargets.Length > 0)
            result.index_copy_(0, Index(plan.CopyTargets, device), old.index_select(0, Index(plan.CopySources, device)));
        if (plan.MeanTargets.Length > 0)
            result.index_copy_(0, Index(plan.MeanTargets, device), Means(old, plan.MeanSources).to_type(old.dtype));
        if (plan.FallbackTargets.Length > 0)
        {
            var all = MeanOfRows(old, plan.OldTokenizerSize).to_type(old.dtype);
            result.index_copy_(0, Index(plan.FallbackTargets, device), all.unsqueeze(0).expand(plan.FallbackTargets.Length, hidden));
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Row k = mean of old rows sources[k] (repeats count, as in embeddings[ids].mean(0)), in fp32.</summary>
    static Tensor Means(Tensor old, int[][] sources)
    {
        var device = old.device;
        var sums = zeros([sources.Length, old.shape[1]], ScalarType.Float32, device);
        long chunk = Math.Max(1, GatherBytes / (4 * old.shape[1]));
        var rows = new List<long>();
        var ids = new List<long>();
        void Flush()
        {
            if (rows.Count == 0) return;
            using var inner = NewDisposeScope();
            sums.index_add_(0, Index([.. rows], device), old.index_select(0, Index([.. ids], device)).to_type(ScalarType.Float32), 1);
            rows.Clear();
            ids.Clear();
        }
        for (int k = 0; k < sources.Length; k++)
            foreach (int id in sources[k])
            {
                rows.Add(k);
                ids.Add(id);
                if (rows.Count >= chunk) Flush();
            }
        Flush();
        var counts = tensor(sources.Select(s => (float)s.Length).ToArray(), ScalarType.Float32, device);
        return sums.div_(counts.unsqueeze(1));
    }

    /// <summary>Mean of rows 0 … count−1 in fp32 (the pieces of the old tokenizer; padding rows never meant anything).</summary>
    static Tensor MeanOfRows(Tensor old, int count)
    {
        var sum = zeros([old.shape[1]], ScalarType.Float32, old.device);
        long chunk = Math.Max(1, GatherBytes / (4 * old.shape[1]));
        for (long start = 0; start < count; start += chunk)
        {
            using var inner = NewDisposeScope();
            // dim: named, because a literal 0 converts to ScalarType and would pick the whole-tensor sum(ScalarType) overload.
            sum.add_(old.narrow(0, start, Math.Min(chunk, count - start)).to_type(ScalarType.Float32).sum(dim: 0));
        }
        return sum.div_(count);
    }

    static Tensor Index(long[] values, Device device) => tensor(values, ScalarType.Int64, device);
}
