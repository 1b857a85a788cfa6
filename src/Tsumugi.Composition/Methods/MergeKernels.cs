using System.Runtime.CompilerServices;

namespace Tsumugi.Composition.Methods;

/// <summary>
/// The merge methods' per-tensor math in float32 spans, each as mergekit computes it (reference/post-training.md
/// §6.1; <c>mergekit/merge_methods/*.py</c>). Reductions (norms, dots, sums of |x|) accumulate in double.
/// </summary>
public static class MergeKernels
{
    public static void Merge(MergeMethodInfo method, TensorInputs inputs, Span<float> output, float[] scratch)
    {
        switch (method.Name)
        {
            case "linear": Linear(inputs, output); break;
            case "slerp": Slerp(inputs, output); break;
            case "model_stock": ModelStock(inputs, output); break;
            case "passthrough": Passthrough(inputs, output); break;
            default: TaskArithmetic(method, inputs, output, scratch); break;
        }
    }

    /// <summary>Σwᵢθᵢ, divided by Σwᵢ when <c>normalize</c> (default true).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Linear(TensorInputs inputs, Span<float> output)
    {
        int models = inputs.Values.Length;
        var weights = Enumerable.Range(0, models).Select(m => inputs.ModelNumber(m, "weight")).ToArray();
        double divisor = inputs.Flag("normalize") ? weights.Sum() : 1;
        output.Clear();
        for (int m = 0; m < models; m++)
        {
            float w = (float)weights[m];
            var x = inputs.Span(m);
            for (int i = 0; i < output.Length; i++) output[i] += w * x[i];
        }
        if (divisor != 1)
        {
            float inverse = (float)divisor;
            for (int i = 0; i < output.Length; i++) output[i] /= inverse;
        }
    }

    /// <summary>Spherical interpolation from the base (t = 0) to the other model; nearly colinear vectors
    /// (|cos| > 0.9995) fall back to lerp. Norms are taken for the angle only; the weights apply to the raw tensors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Slerp(TensorInputs inputs, Span<float> output)
    {
        if (inputs.Values.Length != 2 || inputs.BaseIndex < 0)
            throw new InvalidDataException($"tensor '{inputs.TensorName}': slerp needs exactly two models, one of them base_model.");
        double t = inputs.Number("t");
        var a = inputs.Span(inputs.BaseIndex);
        var b = inputs.Span(1 - inputs.BaseIndex);
        double normA = 0, normB = 0, dot = 0;
        for (int i = 0; i < a.Length; i++)
        {
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
            dot += (double)a[i] * b[i];
        }
        normA = Math.Sqrt(normA);
        normB = Math.Sqrt(normB);
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
        float fa = (float)wa, fb = (float)wb;
        for (int i = 0; i < output.Length; i++) output[i] = fa * a[i] + fb * b[i];
    }

    /// <summary>Model Stock: t = N·cos / (1 + (N−1)·cos) from the mean pairwise cosine of the offsets θᵢ − θ₀ (per
    /// tensor, or per row with <c>filter_wise</c>), then t·mean(θᵢ) + (1−t)·θ₀.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ModelStock(TensorInputs inputs, Span<float> output)
    {
        int b = inputs.BaseIndex;
        var others = Enumerable.Range(0, inputs.Values.Length).Where(m => m != b).ToArray();
        var w0 = inputs.Span(b);
        if (others.Length == 0) { w0.CopyTo(output); return; }
        if (others.Length < 2)
            throw new InvalidDataException($"tensor '{inputs.TensorName}': model_stock needs at least two models besides base_model.");
        int row = inputs.Flag("filter_wise") && inputs.Shape.Length >= 1 ? (int)inputs.Shape[^1] : inputs.Length;
        if (row == 0) return;
        int n = others.Length;
        var norms = new double[n];
        for (int start = 0; start < inputs.Length; start += row)
        {
            for (int k = 0; k < n; k++)
            {
                var w = inputs.Values[others[k]];
                double s = 0;
                for (int i = start; i < start + row; i++) { double d = w[i] - w0[i]; s += d * d; }
                norms[k] = Math.Sqrt(s);
            }
            double cosSum = 0;
            int pairs = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    var wp = inputs.Values[others[p]];
                    var wq = inputs.Values[others[q]];
                    double dot = 0;
                    for (int i = start; i < start + row; i++) dot += ((double)wp[i] - w0[i]) * ((double)wq[i] - w0[i]);
                    cosSum += Math.Clamp(dot / Math.Max(norms[p] * norms[q], 1e-6), -1, 1);
                    pairs++;
                }
            double cos = cosSum / pairs;
            float t = (float)(n * cos / (1 + (n - 1) * cos));
            for (int i = start; i < start + row; i++)
            {
                float mean = 0;
                for (int k = 0; k < n; k++) mean += inputs.Values[others[k]][i];
                mean /= n;
                output[i] = t * mean + (1 - t) * w0[i];
            }
        }
    }

    /// <summary>The one source's tensor, times <c>scale</c> when given.</summary>
    public static void Passthrough(TensorInputs inputs, Span<float> output)
    {
        if (inputs.Values.Length != 1)
            throw new InvalidDataException($"tensor '{inputs.TensorName}': passthrough takes exactly one source per slice, got {inputs.Values.Length}.");
        inputs.Span(0).CopyTo(output);
        if (inputs.ModelParameters[0]["scale"] is not null)
        {
            float scale = (float)inputs.ModelNumber(0, "scale");
            for (int i = 0; i < output.Length; i++) output[i] *= scale;
        }
    }

    /// <summary>
    /// mergekit's general task arithmetic (task_arithmetic, ties, dare_*, breadcrumbs*): τᵢ = θᵢ − θ_base, sparsified
    /// with its density, weighted; with sign consensus ("sum": elected sign of Σwᵢτᵢ, ≥ 0 → +1) only the entries
    /// agreeing with it count, in the sum and in the divisor Σwᵢ·maskᵢ (0 → 1); otherwise the divisor is Σwᵢ (|·| &lt;
    /// 1e-8 → 1). Divided when <c>normalize</c>, times <c>lambda</c>, added to the base.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TaskArithmetic(MergeMethodInfo method, TensorInputs inputs, Span<float> output, float[] scratch)
    {
        int b = inputs.BaseIndex;
        var baseValues = inputs.Span(b);
        var others = Enumerable.Range(0, inputs.Values.Length).Where(m => m != b).ToArray();
        if (others.Length == 0) { baseValues.CopyTo(output); return; }
        bool rescale = inputs.Flag("rescale"), normalize = inputs.Flag("normalize");
        double lambda = inputs.Number("lambda");
        var weights = new float[others.Length];
        for (int k = 0; k < others.Length; k++)
        {
            int m = others[k];
            var tau = inputs.Span(m);
            for (int i = 0; i < tau.Length; i++) tau[i] -= baseValues[i];
            double gamma = method.Sparsify == Sparsification.MagnitudeOutliers ? inputs.ModelNumber(m, "gamma") : 0;
            Sparsify.Apply(method.Sparsify, tau, inputs.ModelNumber(m, "density"), rescale, gamma, SplitMix64.For(inputs.Seed, inputs.TensorName, m), scratch);
            weights[k] = (float)inputs.ModelNumber(m, "weight");
            for (int i = 0; i < tau.Length; i++) tau[i] *= weights[k];
        }
        float weightSum = weights.Sum();
        float plainDivisor = Math.Abs(weightSum) < 1e-8f ? 1 : weightSum;
        float lam = (float)lambda;
        for (int i = 0; i < output.Length; i++)
        {
            float mixed = 0, divisor;
            if (method.SignConsensus)
            {
                float sum = 0;
                foreach (int m in others) sum += inputs.Values[m][i];
                float elected = sum >= 0 ? 1 : -1;
                divisor = 0;
                for (int k = 0; k < others.Length; k++)
                {
                    float d = inputs.Values[others[k]][i];
                    if (MathF.Sign(d) == elected) { mixed += d; divisor += weights[k]; }
                }
                if (divisor == 0) divisor = 1;
            }
            else
            {
                foreach (int m in others) mixed += inputs.Values[m][i];
                divisor = plainDivisor;
            }
            if (normalize) mixed /= divisor;
            if (lam != 1) mixed *= lam;
            output[i] = baseValues[i] + mixed;
        }
    }
}
