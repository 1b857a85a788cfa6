using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// sentencepiece's optimized Unigram Viterbi (unigram_model.cc, EncodeOptimized): one pass over byte positions,
/// best path per end position, strict '>' so the first candidate found wins ties. Scores are float like spm's,
/// with candidate sums in double exactly as the C++ expression types make them.
/// The lattice arrays are per thread and reused; pieces are matched in a <see cref="DoubleArrayTrie"/> whose nodes
/// carry (id, score), so the inner loop is two int reads per byte plus one read per matching piece.
/// </summary>
static class UnigramViterbi
{
    [ThreadStatic] static float[]? ThreadScore;
    [ThreadStatic] static int[]? ThreadStart;
    [ThreadStatic] static int[]? ThreadId;

    // Fully optimized from the first call: a CLI run is too short to wait for tiered JIT.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Encode(ReadOnlySpan<byte> s, SpmVocab v, List<(int Start, int Length, int Id)> output)
    {
        int n = s.Length;
        if (n == 0) return;
        if (ThreadScore == null || ThreadScore.Length < n + 1)
        {
            int cap = Math.Max(n + 1, 1024);
            ThreadScore = new float[cap]; ThreadStart = new int[cap]; ThreadId = new int[cap];
        }
        var score = ThreadScore; var start = ThreadStart!; var id = ThreadId!;
        start.AsSpan(0, n + 1).Fill(-1);
        score.AsSpan(0, n + 1).Clear();
        float unkScore = v.MinScore - 10.0f;
        var trie = v.Lattice!;
        ref var units = ref MemoryMarshal.GetReference(trie.Units);
        int unitCount = trie.Units.Length;
        var ids = trie.Ids; var scores = trie.Scores;
        ref byte text = ref MemoryMarshal.GetReference(s);
        int startsAt = 0;
        while (startsAt < n)
        {
            float bestHere = score[startsAt];
            bool hasSingle = false;
            int mblen = Math.Min(Utf8Util.OneCharLen(Unsafe.Add(ref text, startsAt)), n - startsAt);
            int node = DoubleArrayTrie.Root;
            for (int keyPos = startsAt; keyPos < n; keyPos++)
            {
                int t = Unsafe.Add(ref units, node).Base + Unsafe.Add(ref text, keyPos);
                if ((uint)t >= (uint)unitCount || Unsafe.Add(ref units, t).Check != node) break;
                node = t;
                int ret = ids[node];
                if (ret < 0) continue; // inner node, or an UNUSED piece (spm skips those)
                int end = keyPos + 1;
                // spm's `score` is a ternary of double and float, hence double for every piece; the sum is
                // compared in double and stored as float. Reproducing this rounding is what makes ids identical.
                double cand = scores[node] + bestHere;
                if (start[end] == -1 || cand > score[end]) { score[end] = (float)cand; start[end] = startsAt; id[end] = ret; }
                if (end - startsAt == mblen) hasSingle = true;
            }
            if (!hasSingle)
            {
                int e = startsAt + mblen;
                float cand = unkScore + bestHere;
                if (start[e] == -1 || cand > score[e]) { score[e] = cand; start[e] = startsAt; id[e] = v.UnkId; }
            }
            startsAt += mblen;
        }
        int first = output.Count;
        for (int end = n; end > 0; end = start[end]) output.Add((start[end], end - start[end], id[end]));
        output.Reverse(first, output.Count - first);
    }
}
