namespace Tsumugi.Generation;

/// <summary>
/// The logit processors and warpers of HF <c>generate</c>, on one row of logits in place. Removed tokens become −∞.
/// They work on a CPU float array: one row is a few hundred KB even for a 100k vocabulary, and plain loops make the
/// arithmetic exactly what the formulas say (tests compare against hand-computed values) on every device.
/// </summary>
public static class LogitProcessors
{
    /// <summary>
    /// HF RepetitionPenaltyLogitsProcessor (CTRL, as fixed in practice): for each distinct token in
    /// <paramref name="context"/> (prompt + output), a positive logit is divided by the penalty, a non-positive one
    /// multiplied — so a penalty &gt; 1 always makes the token less likely.
    /// </summary>
    public static void RepetitionPenalty(Span<float> logits, IEnumerable<int> context, double penalty)
    {
        if (penalty == 1) return;
        foreach (int id in context.Distinct())
        {
            float x = logits[id];
            logits[id] = (float)(x > 0 ? x / penalty : x * penalty);
        }
    }

    /// <summary>OpenAI frequency/presence penalties: logit −= count·frequency + [count &gt; 0]·presence over <paramref name="generated"/>.</summary>
    public static void FrequencyPresencePenalty(Span<float> logits, IEnumerable<int> generated, double frequency, double presence)
    {
        if (frequency == 0 && presence == 0) return;
        foreach (var group in generated.GroupBy(id => id))
            logits[group.Key] -= (float)(group.Count() * frequency + presence);
    }

    /// <summary>
    /// HF NoRepeatNGramLogitsProcessor: the last n−1 tokens of <paramref name="context"/> are a prefix; every token that
    /// followed the same n−1 tokens earlier would repeat an n-gram, so it is banned.
    /// </summary>
    public static void NoRepeatNgram(Span<float> logits, IReadOnlyList<int> context, int n)
    {
        if (n <= 0 || context.Count < n) return;
        int prefixStart = context.Count - (n - 1);
        for (int start = 0; start + n <= context.Count; start++)
        {
            bool same = true;
            for (int k = 0; k < n - 1 && same; k++) same = context[start + k] == context[prefixStart + k];
            if (same) logits[context[start + n - 1]] = float.NegativeInfinity;
        }
    }

    public static void Temperature(Span<float> logits, double temperature)
    {
        if (temperature == 1) return;
        for (int i = 0; i < logits.Length; i++) logits[i] = (float)(logits[i] / temperature);
    }

    /// <summary>HF TopKLogitsWarper: keep the k largest logits (ties with the k-th are kept too).</summary>
    public static void TopK(Span<float> logits, int k)
    {
        if (k <= 0 || k >= logits.Length) return;
        var sorted = logits.ToArray();
        Array.Sort(sorted);
        float threshold = sorted[^k];
        for (int i = 0; i < logits.Length; i++) if (logits[i] < threshold) logits[i] = float.NegativeInfinity;
    }

    /// <summary>
    /// HF TopPLogitsWarper: keep the smallest set of most likely tokens whose probability mass reaches p — a token stays
    /// while the mass of the tokens before it is below p, so the most likely token always stays.
    /// </summary>
    public static void TopP(Span<float> logits, double p)
    {
        if (p >= 1) return;
        var probs = Softmax(logits);
        // Array.Sort on (−p, id) keys: descending probability, ties by id — a few ms even for a 100k vocabulary.
        var keys = new double[probs.Length];
        var order = new int[probs.Length];
        for (int i = 0; i < order.Length; i++) (keys[i], order[i]) = (-probs[i], i);
        Array.Sort(keys, order);
        double before = 0;
        foreach (int i in order)
        {
            if (before >= p) logits[i] = float.NegativeInfinity;
            before += probs[i];
        }
    }

    /// <summary>HF MinPLogitsWarper: drop tokens whose probability is below min_p · p_max.</summary>
    public static void MinP(Span<float> logits, double minP)
    {
        if (minP <= 0) return;
        var probs = Softmax(logits);
        double threshold = minP * probs.Max();
        for (int i = 0; i < logits.Length; i++) if (probs[i] < threshold) logits[i] = float.NegativeInfinity;
    }

    /// <summary>Softmax in double precision; −∞ logits get probability 0.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        float max = float.NegativeInfinity;
        foreach (var x in logits) max = Math.Max(max, x);
        var probs = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += probs[i] = Math.Exp((double)logits[i] - max);
        for (int i = 0; i < probs.Length; i++) probs[i] /= sum;
        return probs;
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        // Vectorised (a 32k row scalar took ~30 µs, per row and step of a batch); it returns a NaN's index where there
        // is one, which the loop below, as torch's argmax on finite rows, would pass over.
        int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
        if (best >= 0 && !float.IsNaN(logits[best])) return best;
        best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
