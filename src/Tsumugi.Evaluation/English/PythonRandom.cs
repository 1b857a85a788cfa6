namespace Tsumugi.Evaluation.English;

/// <summary>
/// CPython's <c>random.Random(seed)</c> (MT19937 seeded by <c>init_by_array</c>) and the two methods the harness's
/// few-shot sampler uses: <c>getrandbits</c>/<c>_randbelow</c> and <c>sample(population, k)</c>. lm-evaluation-harness
/// draws few-shot examples with <c>random.Random(1234).sample(fewshot_docs, n)</c>, one call per evaluated document in
/// order, so matching CPython bit for bit is what makes our few-shot prompts the harness's prompts.
/// </summary>
public sealed class PythonRandom
{
    const int N = 624, M = 397;
    readonly uint[] _mt = new uint[N];
    int _index = N + 1;

    /// <summary><c>random.Random(seed)</c> for a non-negative integer seed below 2^32.</summary>
    public PythonRandom(uint seed)
    {
        // random.seed(int) passes abs(seed) as 32-bit words (least significant first) to init_by_array.
        InitByArray([seed]);
    }

    void InitGenrand(uint s)
    {
        _mt[0] = s;
        for (int i = 1; i < N; i++) _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _index = N;
    }

    void InitByArray(uint[] key)
    {
        InitGenrand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Length); k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
        }
        _mt[0] = 0x80000000u;
    }

    /// <summary>The next 32-bit output (genrand_uint32).</summary>
    public uint NextUInt32()
    {
        if (_index >= N)
        {
            for (int k = 0; k < N; k++)
            {
                uint y = (_mt[k] & 0x80000000u) | (_mt[(k + 1) % N] & 0x7fffffffu);
                _mt[k] = _mt[(k + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
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

    /// <summary><c>getrandbits(k)</c> for 1 ≤ k ≤ 32: the top k bits of one output.</summary>
    public uint GetRandBits(int k)
    {
        if (k is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(k), "1..32 bits");
        return NextUInt32() >> (32 - k);
    }

    /// <summary><c>_randbelow(n)</c>: rejection sampling on n.bit_length() bits.</summary>
    public int RandBelow(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), "n must be ≥ 1");
        int k = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);
        uint r = GetRandBits(k);
        while (r >= (uint)n) r = GetRandBits(k);
        return (int)r;
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
