namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// sentencepiece's optimized Unigram Viterbi (unigram_model.cc, EncodeOptimized): one pass over byte positions,
/// best path per end position, strict '>' so the first candidate found wins ties. Scores are float like spm's,
/// with candidate sums in double exactly as the C++ expression types make them.
/// </summary>
static class UnigramViterbi
{
    [ThreadStatic] static float[]? t_score;
    [ThreadStatic] static int[]? t_start;
    [ThreadStatic] static int[]? t_id;

    public static void Encode(ReadOnlySpan<byte> s, SpmVocab v, List<(int Start, int Length, int Id)> output)
    {
        int n = s.Length;
        if (n == 0) return;
        if (t_score == null || t_score.Length < n + 1)
        {
            int cap = Math.Max(n + 1, 1024);
            t_score = new float[cap]; t_start = new int[cap]; t_id = new int[cap];
        }
        var score = t_score; var start = t_start!; var id = t_id!;
        for (int i = 0; i <= n; i++) { start[i] = -1; score[i] = 0; id[i] = 0; }
        float unkScore = v.MinScore - 10.0f;
        var trie = v.Trie;
        int startsAt = 0;
        while (startsAt < n)
        {
            float bestHere = score[startsAt];
            bool hasSingle = false;
            int mblen = Math.Min(Utf8Util.OneCharLen(s[startsAt]), n - startsAt);
            int node = trie.Start(s[startsAt]);
            int keyPos = startsAt + 1;
            while (node >= 0)
            {
                int ret = trie.Value(node);
                if (ret >= 0 && !v.IsUnused[ret])
                {
                    int length = keyPos - startsAt;
                    // spm's `score` is a ternary of double and float, hence double for every piece; the sum is
                    // compared in double and stored as float. Reproducing this rounding is what makes ids identical.
                    double pieceScore = v.IsUserDefined[ret] ? length * (double)v.MaxScore - 0.1 : v.Scores[ret];
                    double cand = pieceScore + bestHere;
                    if (start[keyPos] == -1 || cand > score[keyPos]) { score[keyPos] = (float)cand; start[keyPos] = startsAt; id[keyPos] = ret; }
                    if (!hasSingle && length == mblen) hasSingle = true;
                }
                if (keyPos >= n) break;
                node = trie.Next(node, s[keyPos]);
                keyPos++;
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
