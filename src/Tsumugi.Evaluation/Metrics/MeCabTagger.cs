using System.Runtime.InteropServices;

namespace Tsumugi.Evaluation.Metrics;

/// <summary>
/// MeCab word splitting (<c>-Owakati</c>) through Debian's <c>libmecab.so.2</c> with the IPADIC dictionary, as sacrebleu's
/// <c>ja-mecab</c> tokenizer runs it (MeCab + pip's <c>ipadic</c>): the line is stripped, parsed, and the output stripped.
/// <para>
/// The dictionary is named explicitly (<c>-d</c>, with an empty <c>-r</c> rc file) so that Debian's
/// <c>mecab-dictionary</c> alternative pointing at JUMAN, or a user dictionary in /etc/mecabrc, cannot change the tokens.
/// It must be IPADIC in UTF-8: 392126 entries (pip's ipadic) or 392127 (Debian's mecab-ipadic-utf8, which adds 令和).
/// Anything else is refused, as sacrebleu refuses it. There is no fallback: BLEU on other tokens is a different number.
/// </para>
/// <para>One tagger serves the process; MeCab's tostr buffer belongs to the tagger, so calls are serialised by a lock.</para>
/// </summary>
public static partial class MeCabTagger
{
    const string Library = "libmecab.so.2";

    /// <summary>IPADIC 2.7.0-20070801 as pip ships it (sacrebleu's check) and with Debian's extra 令和 entry.</summary>
    public static readonly IReadOnlySet<uint> IpadicSizes = new HashSet<uint> { 392126, 392127 };

    /// <summary>Where Debian's mecab-ipadic-utf8 puts the dictionary; TSUMUGI_MECAB_DICDIR overrides it.</summary>
    public const string DefaultDictionary = "/var/lib/mecab/dic/ipadic-utf8";

    public const string InstallHint = "install it with: sudo apt-get install libmecab2 mecab-ipadic-utf8 (scripts/install-test-deps.sh does)";

    static readonly Lazy<(IntPtr Tagger, string? Error, string Signature)> Instance = new(() =>
        Open(Environment.GetEnvironmentVariable("TSUMUGI_MECAB_DICDIR") is { Length: > 0 } d ? d : DefaultDictionary));
    static readonly object Gate = new();

    /// <summary>Null when MeCab with IPADIC can be used, else why not and how to install it.</summary>
    public static string? Unavailable => Instance.Value.Error;

    /// <summary>sacrebleu-style signature, e.g. "ja-mecab-0.996-IPA-392127".</summary>
    public static string Signature => Instance.Value.Error is { } e ? throw new InvalidOperationException(e) : Instance.Value.Signature;

    /// <summary>The tokens of <paramref name="line"/>: MeCab's wakati output of the stripped line, split on whitespace.</summary>
    public static IReadOnlyList<string> Tokenize(string line)
    {
        var (tagger, error, _) = Instance.Value;
        if (error is not null) throw new InvalidOperationException(error);
        var stripped = PythonText.Strip(line);
        string output;
        lock (Gate)
        {
            var result = mecab_sparse_tostr(tagger, stripped);
            output = result == IntPtr.Zero ? throw new InvalidOperationException($"MeCab could not parse '{stripped}': {Marshal.PtrToStringUTF8(mecab_strerror(tagger))}")
                : Marshal.PtrToStringUTF8(result)!;
        }
        return PythonText.Split(output);
    }

    /// <summary>Why the dictionary folder <paramref name="dictionary"/> cannot serve bleu_ja/rouge, or null when it can.</summary>
    public static string? Probe(string dictionary)
    {
        var (tagger, error, _) = Open(dictionary);
        if (tagger != IntPtr.Zero) mecab_destroy(tagger);
        return error;
    }

    static (IntPtr, string?, string) Open(string dictionary)
    {
        IntPtr tagger;
        try
        {
            if (!File.Exists(Path.Combine(dictionary, "sys.dic")))
                return (IntPtr.Zero, $"bleu_ja and rouge2 need MeCab's IPADIC dictionary, which is not at {dictionary}; {InstallHint}.", "");
            tagger = mecab_new2($"-r /dev/null -d {dictionary} -Owakati");
        }
        catch (DllNotFoundException)
        {
            return (IntPtr.Zero, $"bleu_ja and rouge2 need MeCab ({Library}), which is not installed; {InstallHint}.", "");
        }
        if (tagger == IntPtr.Zero)
            return (IntPtr.Zero, $"MeCab could not open the dictionary at {dictionary}: {Marshal.PtrToStringUTF8(mecab_strerror(IntPtr.Zero))}; {InstallHint}.", "");
        var info = Marshal.PtrToStructure<DictionaryInfo>(mecab_dictionary_info(tagger));
        var charset = Marshal.PtrToStringUTF8(info.Charset) ?? "";
        if (!IpadicSizes.Contains(info.Size) || !charset.Replace("-", "").Equals("utf8", StringComparison.OrdinalIgnoreCase) || info.Next != IntPtr.Zero)
        {
            mecab_destroy(tagger);
            return (IntPtr.Zero, $"the MeCab dictionary at {dictionary} is not IPADIC in UTF-8 ({info.Size} entries, {charset}); sacrebleu's ja-mecab needs IPADIC. "
                + "Point TSUMUGI_MECAB_DICDIR at an ipadic-utf8 folder or " + InstallHint + ".", "");
        }
        return (tagger, null, $"ja-mecab-{Marshal.PtrToStringUTF8(mecab_version())}-IPA-{info.Size}");
    }

    [StructLayout(LayoutKind.Sequential)]
    struct DictionaryInfo
    {
        public IntPtr Filename;
        public IntPtr Charset;
        public uint Size;
        public int Type;
        public uint LSize;
        public uint RSize;
        public ushort Version;
        public IntPtr Next;
    }

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr mecab_new2(string arg);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr mecab_sparse_tostr(IntPtr mecab, string str);

    [LibraryImport(Library)]
    private static partial IntPtr mecab_strerror(IntPtr mecab);

    [LibraryImport(Library)]
    private static partial IntPtr mecab_dictionary_info(IntPtr mecab);

    [LibraryImport(Library)]
    private static partial IntPtr mecab_version();

    [LibraryImport(Library)]
    private static partial void mecab_destroy(IntPtr mecab);
}
