namespace Tsumugi.Evaluation;

/// <summary>
/// CPython's <c>random</c> module reduced to what the tools we reproduce call: <c>random.seed(int)</c> and
/// <c>random.shuffle(list)</c> (llm-jp-eval's train/dev splits), <c>random.Random(1234).sample</c> (lm-evaluation-harness's
/// few-shot draws). The generator is the Mersenne Twister MT19937 seeded by <c>init_by_array</c> with the
/// seed's 32-bit words (Modules/_randommodule.c); <c>shuffle</c> is Fisher–Yates from the end, drawing each index with
/// <c>_randbelow</c> = rejection sampling on <c>getrandbits(n.bit_length())</c> (Lib/random.py). Same seed, same list,
/// same order as Python 3 — which is what makes our splits and few-shot prompts identical to theirs.
/// </summary>
public sealed class PythonRandom
{
    const int N = 624, M = 397;
    readonly uint[] _mt = new uint[N];
    int _index;

    /// <summary>Equivalent of <c>random.seed(seed)</c> for a non-negative int seed.</summary>
    public PythonRandom(long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seed);
        // CPython splits abs(seed) into little-endian 32-bit words; 0 becomes the one-word key [0].
        var key = new List<uint>();
        for (ulong s = (ulong)seed; s > 0; s >>= 32) key.Add((uint)s);
        if (key.Count == 0) key.Add(0);
        InitByArray(key);
    }

    void InitGenRand(uint s)
    {
        _mt[0] = s;
        for (int i = 1; i < N; i++) _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    void InitByArray(IReadOnlyList<uint> key)
    {
        InitGenRand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Count); k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
            if (j >= key.Count) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
        }
        _mt[0] = 0x80000000u;
    }

    /// <summary>The next raw 32-bit output (<c>genrand_uint32</c>).</summary>
    public uint NextUInt32()
    {
        if (_index >= N)
        {
            for (int k = 0; k < N; k++)
            {
                uint y = (_mt[k] & 0x80000000u) | (_mt[(k + 1) % N] & 0x7fffffffu);
                _mt[k] = _mt[(k + M) % N] ^ (y >> 1) ^ ((y & 1u) != 0 ? 0x9908b0dfu : 0u);
            }
            _index = 0;
        }
        uint x = _mt[_index++];
        x ^= x >> 11;
        x ^= (x << 7) & 0x9d2c5680u;
        x ^= (x << 15) & 0xefc60000u;
        x ^= x >> 18;
        return x;
    }

    /// <summary><c>random.getrandbits(k)</c> for 1 ≤ k ≤ 32: the top k bits of one output.</summary>
    public uint GetRandBits(int k)
    {
        if (k is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(k), k, "1..32 bits");
        return NextUInt32() >> (32 - k);
    }

    /// <summary><c>random.random()</c>: 53-bit float from two outputs, as CPython's <c>genrand_res53</c>.</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /// <summary><c>Random._randbelow_with_getrandbits(n)</c>: uniform in [0, n), drawing bit_length(n) bits until below n.</summary>
    public int RandBelow(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        int k = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);
        uint r = GetRandBits(k);
        while (r >= (uint)n) r = GetRandBits(k);
        return (int)r;
    }

    /// <summary><c>random.shuffle(x)</c>: for i from len-1 down to 1, swap x[i] with x[_randbelow(i + 1)].</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = RandBelow(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// The indices <c>random.sample(range(n), k)</c> returns, in order: a partial Fisher–Yates over a pool for small
    /// populations, rejection from a set for large ones (CPython's setsize rule decides which, and it changes the draws).
    /// </summary>
    public int[] Sample(int n, int k)
    {
        if (k < 0 || k > n) throw new ArgumentException($"sample larger than population or negative (k={k}, n={n}).");
        var result = new int[k];
        int setSize = 21;
        if (k > 5) setSize += (int)Math.Pow(4, Math.Ceiling(Math.Log(k * 3) / Math.Log(4)));
        if (n <= setSize)
        {
            var pool = Enumerable.Range(0, n).ToArray();
            for (int i = 0; i < k; i++)
            {
                int j = RandBelow(n - i);
                result[i] = pool[j];
                pool[j] = pool[n - i - 1];
            }
        }
        else
        {
            var selected = new HashSet<int>();
            for (int i = 0; i < k; i++)
            {
                int j = RandBelow(n);
                while (!selected.Add(j)) j = RandBelow(n);
                result[i] = j;
            }
        }
        return result;
    }
}
