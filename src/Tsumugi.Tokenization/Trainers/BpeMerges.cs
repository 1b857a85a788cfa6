using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tsumugi.Tokenization.Trainers;

/// <summary>
/// The state of BPE training: every corpus word as a linked list of symbols (flat arrays over all words), the count
/// of every valid adjacent pair weighted by word frequency, where each pair occurs (appended as occurrences appear,
/// checked when used), and a max-heap holding each pair with a positive count once. A merge rewrites only the pair's
/// occurrences and updates the counts of their neighbours' pairs, left to right within a word as spm merges. A pair
/// whose count falls to zero is forgotten (its index and occurrence entries are reused), so memory follows the pairs
/// present, not every pair ever seen.
/// </summary>
sealed class BpeMerges
{
    // Positions: one per corpus character, words back to back, with the word each belongs to (for its frequency).
    readonly int[] _sym, _next, _prev, _wordAt;
    readonly long[] _freq;

    // Symbols: their code points in one arena; the same string is always the same symbol.
    readonly List<int> _cps = [];
    readonly List<int> _symStart = [], _symLength = [];
    readonly Dictionary<string, int> _symbolOf = new(StringComparer.Ordinal);

    // Pairs (a, b) → index; per pair: count, the count the heap orders it by (brought up to date after each merge,
    // so a pair whose count moved never misplaces another), whether the merged piece is valid, heap slot, and the
    // last occurrence entry.
    readonly Dictionary<long, int> _pairOf = [];
    long[] _pairKey = new long[1024], _count = new long[1024], _heapCount = new long[1024];
    bool[] _valid = new bool[1024];
    int[] _heapSlot = new int[1024], _lastOccurrence = new int[1024], _touchedAt = new int[1024];
    int _pairs;
    readonly Stack<int> _freePairs = [];

    // Occurrence entries: a position where the pair began, and the pair's previous entry (a list per pair). The
    // entries of a merged pair's list go to a free list for reuse.
    int[] _occPosition, _occPrevious;
    int _occurrences, _free = -1;

    int[] _heap = new int[1024];
    int _heapSize;

    readonly PieceValidator _validator;
    int[] _buffer = new int[64];
    readonly List<int> _touched = [], _positions = [];
    int _step = 1;

    /// <summary>Pairs held now: those with occurrences, and those known to make an invalid piece.</summary>
    public int PairCount => _pairOf.Count;

    public BpeMerges(TrainingCorpus corpus, PieceValidator validator)
    {
        _validator = validator;
        long n = 0;
        foreach (var (cps, _) in corpus.Words) n += cps.Length;
        if (n > int.MaxValue / 2) throw new InvalidOperationException($"the training text has {n:N0} characters after deduplication; sample fewer sentences (--input-sentence-size)");
        _sym = new int[n]; _next = new int[n]; _prev = new int[n]; _wordAt = new int[n];
        _freq = new long[corpus.Words.Count];
        _occPosition = new int[Math.Max(1024, n)]; _occPrevious = new int[_occPosition.Length]; // about one per position
        var single = new Dictionary<int, int>();
        int k = 0;
        for (int w = 0; w < corpus.Words.Count; w++)
        {
            var (cps, freq) = corpus.Words[w];
            _freq[w] = freq;
            for (int i = 0; i < cps.Length; i++, k++)
            {
                if (!single.TryGetValue(cps[i], out int s)) single[cps[i]] = s = SymbolOf([cps[i]]);
                _sym[k] = s;
                _wordAt[k] = w;
                _prev[k] = i == 0 ? -1 : k - 1;
                _next[k] = i == cps.Length - 1 ? -1 : k + 1;
            }
        }
        for (int p = 0; p < n; p++) if (_next[p] >= 0) Add(_sym[p], _sym[_next[p]], _freq[_wordAt[p]], p);
        foreach (int pair in _touched) UpdateHeap(pair);
        _touched.Clear();
    }

    /// <summary>Merges the best pair everywhere and returns the merged piece; null when no pair is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string? MergeBest()
    {
        if (_heapSize == 0) return null;
        int best = _heap[0];
        int a = (int)(_pairKey[best] >> 32), b = (int)_pairKey[best];
        var piece = Concat(a, b);
        int c = SymbolOf(piece);
        var positions = _positions;
        positions.Clear();
        FreeOccurrences(best, positions);
        positions.Sort(); // left to right within each word, as spm merges "a a a" into "aa a"
        _step++;
        foreach (int i in positions)
        {
            int j = _next[i];
            if (_sym[i] != a || j < 0 || _sym[j] != b) continue; // merged away or rewritten since it was recorded
            long f = _freq[_wordAt[i]];
            int p = _prev[i], q = _next[j];
            Add(a, b, -f, -1);
            if (p >= 0) { Add(_sym[p], a, -f, -1); Add(_sym[p], c, f, p); }
            if (q >= 0) { Add(b, _sym[q], -f, -1); Add(c, _sym[q], f, i); }
            _sym[i] = c;
            _sym[j] = -1;
            _next[i] = q;
            if (q >= 0) _prev[q] = i;
        }
        foreach (int pair in _touched) UpdateHeap(pair);
        _touched.Clear();
        return TrainingCorpus.FromCodePoints(piece);
    }

    /// <summary>Moves a pair's occurrence entries to the free list, collecting their positions when asked.</summary>
    void FreeOccurrences(int pair, List<int>? positions)
    {
        for (int e = _lastOccurrence[pair], previous; e >= 0; e = previous)
        {
            positions?.Add(_occPosition[e]);
            previous = _occPrevious[e];
            _occPrevious[e] = _free;
            _free = e;
        }
        _lastOccurrence[pair] = -1;
    }

    int[] Concat(int a, int b)
    {
        var r = new int[_symLength[a] + _symLength[b]];
        _cps.CopyTo(_symStart[a], r, 0, _symLength[a]);
        _cps.CopyTo(_symStart[b], r, _symLength[a], _symLength[b]);
        return r;
    }

    int SymbolOf(int[] cps)
    {
        var key = TrainingCorpus.FromCodePoints(cps);
        if (_symbolOf.TryGetValue(key, out int id)) return id;
        id = _symStart.Count;
        _symStart.Add(_cps.Count); _symLength.Add(cps.Length);
        _cps.AddRange(cps);
        _symbolOf[key] = id;
        return id;
    }

    /// <summary>Adds <paramref name="delta"/> to pair (a, b)'s count and records an occurrence at <paramref name="position"/> (≥ 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Add(int a, int b, long delta, int position)
    {
        int pair = PairOf(a, b);
        if (!_valid[pair]) return;
        _count[pair] += delta;
        if (position >= 0)
        {
            int e = _free;
            if (e >= 0) _free = _occPrevious[e];
            else
            {
                if (_occurrences == _occPosition.Length) { int size = _occurrences + _occurrences / 2; Array.Resize(ref _occPosition, size); Array.Resize(ref _occPrevious, size); }
                e = _occurrences++;
            }
            _occPosition[e] = position;
            _occPrevious[e] = _lastOccurrence[pair];
            _lastOccurrence[pair] = e;
        }
        if (_touchedAt[pair] != _step) { _touchedAt[pair] = _step; _touched.Add(pair); }
    }

    int PairOf(int a, int b)
    {
        long key = ((long)a << 32) | (uint)b;
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairOf, key, out bool exists);
        if (exists) return slot;
        if (!_freePairs.TryPop(out int pair))
        {
            if (_pairs == _count.Length)
            {
                int size = _pairs + _pairs / 2;
                Array.Resize(ref _pairKey, size); Array.Resize(ref _count, size); Array.Resize(ref _heapCount, size); Array.Resize(ref _valid, size);
                Array.Resize(ref _heapSlot, size); Array.Resize(ref _lastOccurrence, size); Array.Resize(ref _touchedAt, size);
            }
            pair = _pairs++;
        }
        slot = pair;
        _pairKey[pair] = key;
        _count[pair] = _heapCount[pair] = 0;
        _heapSlot[pair] = -1;
        _lastOccurrence[pair] = -1;
        _touchedAt[pair] = 0;
        int length = _symLength[a] + _symLength[b];
        if (_buffer.Length < length) _buffer = new int[length * 2];
        _cps.CopyTo(_symStart[a], _buffer, 0, _symLength[a]);
        _cps.CopyTo(_symStart[b], _buffer, _symLength[a], _symLength[b]);
        _valid[pair] = _validator.IsValid(_buffer.AsSpan(0, length));
        return pair;
    }

    // The heap: the best pair at the root — highest count, then the shorter piece, then the smaller string (UTF-16
    // ordinal), then the smaller pair key (two pairs can make the same string).
    void UpdateHeap(int pair)
    {
        int slot = _heapSlot[pair];
        _heapCount[pair] = _count[pair];
        if (_count[pair] <= 0)
        {
            // Gone from the corpus (merged, or its occurrences rewritten): its entries and index are reused. Should it
            // appear again it is a new pair.
            FreeOccurrences(pair, null);
            _pairOf.Remove(_pairKey[pair]);
            _freePairs.Push(pair);
            if (slot < 0) return;
            int last = _heap[--_heapSize];
            _heapSlot[pair] = -1;
            if (slot == _heapSize) return;
            Place(last, slot);
            SiftDown(SiftUp(slot));
            return;
        }
        if (slot < 0)
        {
            if (_heapSize == _heap.Length) Array.Resize(ref _heap, _heapSize * 2);
            slot = _heapSize++;
            Place(pair, slot);
        }
        SiftDown(SiftUp(slot));
    }

    void Place(int pair, int slot) { _heap[slot] = pair; _heapSlot[pair] = slot; }

    int SiftUp(int slot)
    {
        int pair = _heap[slot];
        while (slot > 0)
        {
            int parent = (slot - 1) / 2;
            if (!Better(pair, _heap[parent])) break;
            Place(_heap[parent], slot);
            slot = parent;
        }
        Place(pair, slot);
        return slot;
    }

    void SiftDown(int slot)
    {
        int pair = _heap[slot];
        while (true)
        {
            int child = 2 * slot + 1;
            if (child >= _heapSize) break;
            if (child + 1 < _heapSize && Better(_heap[child + 1], _heap[child])) child++;
            if (!Better(_heap[child], pair)) break;
            Place(_heap[child], slot);
            slot = child;
        }
        Place(pair, slot);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    bool Better(int x, int y)
    {
        if (_heapCount[x] != _heapCount[y]) return _heapCount[x] > _heapCount[y];
        int xa = (int)(_pairKey[x] >> 32), xb = (int)_pairKey[x], ya = (int)(_pairKey[y] >> 32), yb = (int)_pairKey[y];
        int xl = _symLength[xa] + _symLength[xb], yl = _symLength[ya] + _symLength[yb];
        if (xl != yl) return xl < yl;
        for (int k = 0; k < xl; k++)
        {
            int cx = k < _symLength[xa] ? _cps[_symStart[xa] + k] : _cps[_symStart[xb] + k - _symLength[xa]];
            int cy = k < _symLength[ya] ? _cps[_symStart[ya] + k] : _cps[_symStart[yb] + k - _symLength[ya]];
            if (cx != cy) return UnigramTrainer.Utf16Key(cx) < UnigramTrainer.Utf16Key(cy);
        }
        return _pairKey[x] < _pairKey[y];
    }
}
