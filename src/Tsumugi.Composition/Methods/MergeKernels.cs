using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Tsumugi.Composition.Methods;

/// <summary>
/// The merge methods' per-tensor math in float32 spans, each as mergekit computes it (reference/post-training.md
/// §6.1; <c>mergekit/merge_methods/*.py</c>). Reductions (norms, dots, sums of |x|) accumulate in double.
/// </summary>
public static class MergeKernels
{
    public static void Merge(MergeMethodInfo method, TensorInputs inputs, Span<float> output)
    {
        switch (method.Name)
        {
            case "linear": Linear(inputs, output); break;
            case "slerp": Slerp(inputs, output); break;
            case "model_stock": ModelStock(inputs, output); break;
            case "passthrough": Passthrough(inputs, output); break;
            default: TaskArithmetic(method, inputs, output); break;
        }
    }

    /// <summary>Σwᵢθᵢ, divided by Σwᵢ when <c>normalize</c> (default true).</summary>
    public static void Linear(TensorInputs inputs, Span<float> output)
    {
        int models = inputs.Values.Length;
        var weights = Enumerable.Range(0, models).Select(m => inputs.ModelNumber(m, "weight")).ToArray();
        double divisor = inputs.Flag("normalize") ? weights.Sum() : 1;
        TensorPrimitives.Multiply(inputs.Span(0), (float)weights[0], output);
        for (int m = 1; m < models; m++) TensorPrimitives.MultiplyAdd(inputs.Span(m), (float)weights[m], output, output);
        if (divisor != 1) TensorPrimitives.Divide(output, (float)divisor, output);
    }

    /// <summary>Spherical interpolation from the base (t = 0) to the other model; nearly colinear vectors
    /// (|cos| > 0.9995) fall back to lerp. Norms are taken for the angle only; the weights apply to the raw tensors.</summary>
    public static void Slerp(TensorInputs inputs, Span<float> output)
    {
        if (inputs.Values.Length != 2 || inputs.BaseIndex < 0)
            throw new InvalidDataException($"tensor '{inputs.TensorName}': slerp needs exactly two models, one of them base_model.");
        double t = inputs.Number("t");
        var a = inputs.Span(inputs.BaseIndex);
        var b = inputs.Span(1 - inputs.BaseIndex);
        double normA = TensorPrimitives.Norm<float>(a), normB = TensorPrimitives.Norm<float>(b);
        double dot = TensorPrimitives.Dot<float>(a, b);
        // mergekit normalises each copy only when its norm exceeds 1e-8, then takes the dot of the copies.
        double cos = dot / (normA > 1e-8 ? normA : 1) / (normB > 1e-8 ? normB : 1);
        double wa, wb;
        if (Math.Abs(cos) > 0.9995) { wa = 1 - t; wb = t; }
        else
        {
            double theta = Math.Acos(cos), sinTheta = Math.Sin(theta);
            wa = Math.Sin((1 - t) * theta) / sinTheta;
            wb = Math.Sin(t * theta) / sinTheta;
        }
        TensorPrimitives.Multiply(a, (float)wa, output);
        TensorPrimitives.MultiplyAdd(b, (float)wb, output, output);
    }

    /// <summary>Model Stock: t = N·cos / (1 + (N−1)·cos) from the mean pairwise cosine of the offsets θᵢ − θ₀ (per
    /// tensor, or per row with <c>filter_wise</c>), then t·mean(θᵢ) + (1−t)·θ₀, computed as θ₀ + t·mean(θᵢ − θ₀).</summary>
    public static void ModelStock(TensorInputs inputs, Span<float> output)
    {
        int b = inputs.BaseIndex;
        var others = Enumerable.Range(0, inputs.Values.Length).Where(m => m != b).ToArray();
        var w0 = inputs.Span(b);
        if (others.Length == 0) { w0.CopyTo(output); return; }
        if (others.Length < 2)
            throw new InvalidDataException($"tensor '{inputs.TensorName}': model_stock needs at least two models besides base_model.");
        int row = inputs.Flag("filter_wise") && inputs.Shape.Length >= 1 ? (int)inputs.Shape[^1] : inputs.Length;
        int n = others.Length;
        foreach (int m in others) TensorPrimitives.Subtract(inputs.Span(m), w0, inputs.Span(m)); // offsets, in place
        var norms = new double[n];
        for (int start = 0; row > 0 && start < inputs.Length; start += row)
        {
            Span<float> Offset(int k) => inputs.Values[others[k]].AsSpan(start, row);
            for (int k = 0; k < n; k++) norms[k] = TensorPrimitives.Norm<float>(Offset(k));
            double cosSum = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                    cosSum += Math.Clamp(TensorPrimitives.Dot<float>(Offset(p), Offset(q)) / Math.Max(norms[p] * norms[q], 1e-6), -1, 1);
            double cos = cosSum / (n * (n - 1) / 2);
            float scale = (float)(n * cos / (1 + (n - 1) * cos) / n); // t / N: the mean and t in one factor
            var result = output.Slice(start, row);
            w0.Slice(start, row).CopyTo(result);
            for (int k = 0; k < n; k++) TensorPrimitives.MultiplyAdd(Offset(k), scale, result, result);
        }
    }

    /// <summary>The one source's tensor, times <c>scale</c> when given.</summary>
    public static void Passthrough(TensorInputs inputs, Span<float> output)
    {
        if (inputs.Values.Length != 1)
            throw new InvalidDataException($"tensor '{inputs.TensorName}': passthrough takes exactly one source per slice, got {inputs.Values.Length}.");
        inputs.Span(0).CopyTo(output);
        if (inputs.ModelParameters[0]["scale"] is not null) TensorPrimitives.Multiply(output, (float)inputs.ModelNumber(0, "scale"), output);
    }

    /// <summary>
    /// mergekit's general task arithmetic (task_arithmetic, ties, dare_*, breadcrumbs*): τᵢ = θᵢ − θ_base, sparsified
    /// with its density, weighted; with sign consensus ("sum": elected sign of Σwᵢτᵢ, ≥ 0 → +1) only the entries
    /// agreeing with it count, in the sum and in the divisor Σwᵢ·maskᵢ (0 → 1); otherwise the divisor is Σwᵢ (|·| &lt;
    /// 1e-8 → 1). Divided when <c>normalize</c>, times <c>lambda</c>, added to the base.
    /// </summary>
    public static void TaskArithmetic(MergeMethodInfo method, TensorInputs inputs, Span<float> output)
    {
        int b = inputs.BaseIndex;
        var baseValues = inputs.Span(b);
        var others = Enumerable.Range(0, inputs.Values.Length).Where(m => m != b).ToArray();
        if (others.Length == 0) { baseValues.CopyTo(output); return; }
        bool rescale = inputs.Flag("rescale"), normalize = inputs.Flag("normalize");
        float lambda = (float)inputs.Number("lambda");
        var weights = new float[others.Length];
        for (int k = 0; k < others.Length; k++)
        {
            int m = others[k];
            var tau = inputs.Span(m);
            TensorPrimitives.Subtract(tau, baseValues, tau);
            double gamma = method.Sparsify == Sparsification.MagnitudeOutliers ? inputs.ModelNumber(m, "gamma") : 0;
            Sparsify.Apply(method.Sparsify, tau, inputs.ModelNumber(m, "density"), rescale, gamma, SplitMix64.For(inputs.Seed, inputs.TensorName, m));
            weights[k] = (float)inputs.ModelNumber(m, "weight");
            TensorPrimitives.Multiply(tau, weights[k], tau);
        }
        if (method.SignConsensus)
        {
            SignConsensus(others.Select(m => inputs.Values[m]).ToArray(), weights, inputs.Length, normalize, output);
        }
        else
        {
            inputs.Span(others[0]).CopyTo(output);
            for (int k = 1; k < others.Length; k++) TensorPrimitives.Add(output, inputs.Span(others[k]), output);
            float weightSum = weights.Sum();
            if (normalize) TensorPrimitives.Divide(output, Math.Abs(weightSum) < 1e-8f ? 1 : weightSum, output);
        }
        if (lambda != 1) TensorPrimitives.Multiply(output, lambda, output);
        TensorPrimitives.Add(output, baseValues, output);
    }

    /// <summary>TIES' sign election over weighted task vectors: mixed = Σ agreeing wᵢτᵢ, divided (when normalising)
    /// by the sum of the agreeing weights (0 → 1). An entry agrees when its sign is the elected one (0 never does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void SignConsensus(float[][] deltas, float[] weights, int length, bool normalize, Span<float> output)
    {
        int width = Vector<float>.Count, i = 0;
        var zero = Vector<float>.Zero;
        for (; i <= length - width; i += width)
        {
            var sum = zero;
            foreach (var d in deltas) sum += new Vector<float>(d, i);
            var positive = Vector.GreaterThanOrEqual(sum, zero);
            Vector<float> mixed = zero, divisor = zero;
            for (int k = 0; k < deltas.Length; k++)
            {
                var d = new Vector<float>(deltas[k], i);
                var agree = Vector.ConditionalSelect(positive, Vector.GreaterThan(d, zero), Vector.LessThan(d, zero));
                mixed += Vector.ConditionalSelect(agree, d, zero);
                divisor += Vector.ConditionalSelect(agree, new Vector<float>(weights[k]), zero);
            }
            if (normalize) mixed /= Vector.ConditionalSelect(Vector.Equals(divisor, zero), Vector<float>.One, divisor);
            mixed.CopyTo(output[i..]);
        }
        for (; i < length; i++)
        {
            float sum = 0;
            foreach (var d in deltas) sum += d[i];
            bool positive = sum >= 0;
            float mixed = 0, divisor = 0;
            for (int k = 0; k < deltas.Length; k++)
            {
                float d = deltas[k][i];
                if (positive ? d > 0 : d < 0) { mixed += d; divisor += weights[k]; }
            }
            output[i] = normalize ? mixed / (divisor == 0 ? 1 : divisor) : mixed;
        }
    }
}
