namespace Tsumugi.Tokenization.ByteLevel;

/// <summary>The pre-tokenizer shapes of the byte-level tokenizers in use.</summary>
public enum ByteLevelFlavor
{
    /// <summary>ByteLevel{use_regex:true}: GPT-2's regex, digits in runs, no normalizer.</summary>
    Gpt2,
    /// <summary>Split{Llama 3 regex, digits in threes} + ByteLevel{use_regex:false}; ignore_merges on.</summary>
    Llama3,
    /// <summary>Split{Qwen2 regex, single digits} + ByteLevel{use_regex:false}; NFC normalizer.</summary>
    Qwen2,
}

/// <summary>An entry of tokenizer.json's added_tokens: matched in the text before pre-tokenization.</summary>
public sealed record AddedToken(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false, bool SingleWord = false, bool Normalized = false);

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (GPT-2, Llama 3, Qwen2 tokenizer.json): vocabulary of byte-level strings,
/// ranked merges, added tokens and the pre-tokenizer. Read and written by <see cref="ByteLevelBpeJson"/>.
/// </summary>
public sealed class ByteLevelBpeModel
{
    /// <summary>model.vocab: byte-level string → id (ids need not be contiguous: Llama 3's specials sit after them).</summary>
    public Dictionary<string, int> Vocab { get; init; } = new(StringComparer.Ordinal);

    /// <summary>model.merges in rank order.</summary>
    public List<(string Left, string Right)> Merges { get; init; } = [];

    public List<AddedToken> AddedTokens { get; init; } = [];

    /// <summary>Split pre-tokenizer regex; null = the ByteLevel pre-tokenizer's own GPT-2 regex (use_regex true).</summary>
    public string? SplitPattern { get; set; }

    /// <summary>ByteLevel add_prefix_space: a space is put before text that does not start with one.</summary>
    public bool AddPrefixSpace { get; set; }

    /// <summary>model.ignore_merges: a pre-token that is itself a vocabulary entry is emitted whole (Llama 3).</summary>
    public bool IgnoreMerges { get; set; }

    /// <summary>normalizer NFC (Qwen2); otherwise no normalizer.</summary>
    public bool Nfc { get; set; }

    /// <summary>tokenizer_config.json's bos_token / eos_token (null when none).</summary>
    public string? BosToken { get; set; }

    public string? EosToken { get; set; }

    /// <summary>An empty model with the 256 byte tokens (ids after the special tokens) and the flavour's settings.</summary>
    public static ByteLevelBpeModel Create(ByteLevelFlavor flavor, IReadOnlyList<string> specialTokens)
    {
        var m = new ByteLevelBpeModel();
        m.SetFlavor(flavor);
        foreach (var s in specialTokens)
        {
            if (m.Vocab.ContainsKey(s)) continue;
            m.Vocab[s] = m.Vocab.Count;
            m.AddedTokens.Add(new AddedToken(m.Vocab[s], s, Special: true));
        }
        foreach (char c in ByteLevelAlphabet.SortedAlphabet()) m.Vocab.TryAdd(c.ToString(), m.Vocab.Count);
        return m;
    }

    public void SetFlavor(ByteLevelFlavor flavor)
    {
        SplitPattern = flavor switch
        {
            ByteLevelFlavor.Llama3 => PreTokenizerSplitter.Llama3Pattern,
            ByteLevelFlavor.Qwen2 => PreTokenizerSplitter.Qwen2Pattern,
            _ => null,
        };
        IgnoreMerges = flavor == ByteLevelFlavor.Llama3;
        Nfc = flavor == ByteLevelFlavor.Qwen2;
        AddPrefixSpace = false;
    }

    public static ByteLevelFlavor ParseFlavor(string name) => name.ToLowerInvariant() switch
    {
        "gpt2" => ByteLevelFlavor.Gpt2,
        "llama3" => ByteLevelFlavor.Llama3,
        "qwen2" => ByteLevelFlavor.Qwen2,
        _ => throw new ArgumentException($"pre-tokenizer '{name}' is not supported; use gpt2, llama3 or qwen2."),
    };

    /// <summary>One past the highest id of the vocabulary and the added tokens.</summary>
    public int IdCount => Math.Max(Vocab.Count == 0 ? 0 : Vocab.Values.Max() + 1, AddedTokens.Count == 0 ? 0 : AddedTokens.Max(t => t.Id) + 1);

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="dir"/>.</summary>
    public void Save(string dir) => ByteLevelBpeJson.Save(this, dir);

    /// <summary>Reads a tokenizer.json (and tokenizer_config.json beside it, for bos/eos).</summary>
    public static ByteLevelBpeModel Load(string tokenizerJsonPath) => ByteLevelBpeJson.Read(tokenizerJsonPath);
}
