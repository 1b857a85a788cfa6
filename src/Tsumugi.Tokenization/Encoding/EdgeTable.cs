namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// Open-addressing hash table (long → int, linear probing, load ≤ 0.5) for trie edges: the encoder's hot lookup,
/// roughly twice as fast as Dictionary&lt;long,int&gt; here because there is no bucket indirection or comparer call.
/// </summary>
sealed class EdgeTable
{
    long[] _keys = new long[1024];
    int[] _values = new int[1024];
    int _count, _shift = 64 - 10;

    public EdgeTable() => Array.Fill(_keys, -1L);

    int Slot(long key) => (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15UL)) >> _shift);

    public bool TryGetValue(long key, out int value)
    {
        int mask = _keys.Length - 1;
        for (int i = Slot(key); ; i = (i + 1) & mask)
        {
            long k = _keys[i];
            if (k == key) { value = _values[i]; return true; }
            if (k == -1L) { value = -1; return false; }
        }
    }

    public void Add(long key, int value)
    {
        if ((_count + 1) * 2 > _keys.Length) Grow();
        int mask = _keys.Length - 1;
        int i = Slot(key);
        while (_keys[i] != -1L && _keys[i] != key) i = (i + 1) & mask;
        if (_keys[i] == -1L) _count++;
        _keys[i] = key; _values[i] = value;
    }

    void Grow()
    {
        var oldKeys = _keys; var oldValues = _values;
        _keys = new long[oldKeys.Length * 2]; _values = new int[oldKeys.Length * 2];
        Array.Fill(_keys, -1L);
        _shift--; _count = 0;
        for (int i = 0; i < oldKeys.Length; i++) if (oldKeys[i] != -1L) Add(oldKeys[i], oldValues[i]);
    }
}
