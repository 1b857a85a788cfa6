namespace Tsumugi.Tokenization.Encoding;

/// <summary>
/// The free cells of a double-array trie under construction (<see cref="DoubleArrayTrie"/> over bytes, the trainer's
/// code-point trie), kept as a doubly linked list in cell order so a base search visits only free cells.
/// </summary>
sealed class FreeCells
{
    int[] _next = [], _prev = [];
    int _tail = -1;

    /// <summary>The first free cell, −1 when none is left.</summary>
    public int Head { get; private set; } = -1;

    public int Next(int cell) => _next[cell];

    /// <summary>The trie grew from <paramref name="old"/> to <paramref name="size"/> cells: the new ones are free.</summary>
    public void Grow(int old, int size)
    {
        Array.Resize(ref _next, size);
        Array.Resize(ref _prev, size);
        for (int i = old; i < size; i++)
        {
            _prev[i] = i == old ? _tail : i - 1;
            _next[i] = i + 1 < size ? i + 1 : -1;
        }
        if (_tail >= 0) _next[_tail] = old; else Head = old;
        _tail = size - 1;
    }

    /// <summary>Unlinks a cell the trie now uses.</summary>
    public void Take(int cell)
    {
        int p = _prev[cell], n = _next[cell];
        if (p >= 0) _next[p] = n; else Head = n;
        if (n >= 0) _prev[n] = p; else _tail = p;
    }
}
