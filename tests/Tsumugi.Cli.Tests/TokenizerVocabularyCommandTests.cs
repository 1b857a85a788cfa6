using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Tsumugi.Tokenization.Encoding;
using Tsumugi.Tokenization.HuggingFace;
using Tsumugi.Tokenization.Spm;
using static Tsumugi.Cli.Tests.SpectreOutput;

namespace Tsumugi.Cli.Tests;

/// <summary>
/// `tokenizer extend` and `tokenizer merge` end to end on small shared-corpus samples: the written tokenizer.model
/// must load in the real spm_encode (Debian sentencepiece, scripts/install-test-deps.sh) with the same ids as ours,
/// and keep what the commands promise (old ids, no duplicates, the requested size).
/// </summary>
[Collection("cli")]
public sealed class TokenizerVocabularyCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tsumugi-tok-vocab-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Sub(string name) => Path.Combine(_dir, name);

    /// <summary>Lines where spm's whitespace, byte-fallback and user-symbol handling show up.</summary>
    static readonly string[] EdgeLines =
    [
        "  leading and   inner  spaces  ", "吾輩は猫である。名前はまだ無い。", "emoji 😀🎌 and rare 龘 𠀋", "x",
        "日本語と English の mixed テキスト123", "<|im_start|>user こんにちは<|im_end|>",
    ];


    string Train(string language, int chars, int vocab, string name, string modelType = "unigram")
    {
        var text = CorpusSample.Write(language, chars, Sub(name + ".txt"));
        Ok("tokenizer", "train", "--input", text, "--output", Sub(name), "--vocab-size", vocab.ToString(), "--model-type", modelType,
            "--threads", "2", "--user-defined-symbols", "<|im_start|>", "<|im_end|>");
        return Sub(name);
    }

    [Fact]
    public void ExtendKeepsEveryOldPieceAddsShorterJapaneseAndAgreesWithSpmEncode()
    {
        var baseDir = Train("en", 30_000, 500, "en");
        var ja = CorpusSample.Write("ja", 40_000, Sub("ja.txt"));
        var stdout = Ok("tokenizer", "extend", "--tokenizer", baseDir, "--input", ja, "--add", "80", "--output", Sub("ext"));
        Assert.Contains("500 → 580 pieces", stdout);

        var old = TokenizerDirectory.LoadSentencePiece(baseDir);
        var ext = TokenizerDirectory.LoadSentencePiece(Sub("ext"));
        Assert.Equal(580, ext.VocabSize);
        for (int i = 0; i < old.VocabSize; i++) Assert.Equal(old.Model.Pieces[i], ext.Model.Pieces[i]); // piece, score, type
        var added = ext.Model.Pieces.Skip(500).ToList();
        Assert.All(added, p => Assert.Equal(PieceType.Normal, p.Type));
        Assert.Equal(80, added.Select(p => p.Piece).Distinct().Count());
        Assert.Empty(added.Select(p => p.Piece).Intersect(old.Model.Pieces.Select(p => p.Piece)));

        // id-map.json: every new id maps to old ids whose pieces spell exactly the new piece.
        using var map = JsonDocument.Parse(File.ReadAllText(Sub("ext/id-map.json")));
        Assert.Equal(500, map.RootElement.GetProperty("old_vocab_size").GetInt32());
        Assert.Equal(580, map.RootElement.GetProperty("new_vocab_size").GetInt32());
        var entries = map.RootElement.GetProperty("new_tokens").EnumerateObject().ToList();
        Assert.Equal(Enumerable.Range(500, 80), entries.Select(e => int.Parse(e.Name)).Order());
        foreach (var e in entries)
        {
            var ids = e.Value.EnumerateArray().Select(x => x.GetInt32()).ToArray();
            Assert.All(ids, id => Assert.InRange(id, 0, 499));
            Assert.Equal(Encoding.UTF8.GetBytes(ext.IdToPiece(int.Parse(e.Name))), Spell(old, ids));
        }

        // The real spm_encode reads the extended model and segments exactly like us (and like tokenizer.json).
        var lines = File.ReadAllLines(ja).TakeLast(150).Concat(File.ReadAllLines(Sub("en.txt")).Take(50)).Concat(EdgeLines).ToList();
        AssertSpmParity(Sub("ext"), lines);
        // Japanese gets shorter: the point of extending.
        var jaLines = File.ReadAllLines(ja);
        long before = jaLines.Sum(l => (long)old.Encode(l).Length), after = jaLines.Sum(l => (long)ext.Encode(l).Length);
        Assert.True(after < before, $"extension should shorten Japanese: {before} → {after} tokens");
    }

    [Fact]
    public void ExtendOfABpeTokenizerRanksNewPiecesBelowEveryOldMergeAndAgreesWithSpmEncode()
    {
        var baseDir = Train("en", 30_000, 500, "en-bpe", "bpe");
        var ja = CorpusSample.Write("ja", 30_000, Sub("ja.txt"));
        Ok("tokenizer", "extend", "--tokenizer", Path.Combine(baseDir, "tokenizer.model"), "--input", ja, "--add", "40", "--output", Sub("ext"));
        var ext = TokenizerDirectory.LoadSentencePiece(Sub("ext"));
        Assert.Equal(SpmModelType.Bpe, ext.Model.TrainerSpec.ModelType);
        float oldMin = ext.Model.Pieces.Take(500).Where(p => p.Type == PieceType.Normal).Min(p => p.Score);
        var added = ext.Model.Pieces.Skip(500).ToList();
        Assert.Equal(40, added.Count);
        Assert.All(added, p => Assert.True(p.Score < oldMin, $"{p.Piece} {p.Score} ≥ {oldMin}"));
        Assert.Equal(added.Select(p => p.Score).OrderDescending(), added.Select(p => p.Score)); // learned order kept
        AssertSpmParity(Sub("ext"), File.ReadAllLines(ja).TakeLast(100).Concat(EdgeLines).ToList());
    }

    [Fact]
    public void ExtendRejectsBadInputWithClearErrors()
    {
        var baseDir = Train("en", 15_000, 400, "en");
        var ja = CorpusSample.Write("ja", 5_000, Sub("ja.txt"));

        var zero = CliRunner.Run("tokenizer", "extend", "--tokenizer", baseDir, "--input", ja, "--add", "0", "--output", Sub("o1"));
        Assert.Equal(1, zero.ExitCode);
        Assert.StartsWith("error: --add must be at least 1", zero.Err);

        var missing = CliRunner.Run("tokenizer", "extend", "--tokenizer", Sub("nope"), "--input", ja, "--add", "10", "--output", Sub("o2"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains(Sub("nope"), missing.Err);

        File.WriteAllBytes(Sub("bad.txt"), [.. "ok line\n"u8, 0xE3, 0x81, (byte)'\n']);
        var bad = CliRunner.Run("tokenizer", "extend", "--tokenizer", baseDir, "--input", Sub("bad.txt"), "--add", "10", "--output", Sub("o3"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("bad.txt:2: invalid UTF-8", bad.Err);

        File.WriteAllText(Sub("empty.txt"), "\n\n");
        var empty = CliRunner.Run("tokenizer", "extend", "--tokenizer", baseDir, "--input", Sub("empty.txt"), "--add", "10", "--output", Sub("o4"));
        Assert.Equal(1, empty.ExitCode);
        Assert.Contains("no text", empty.Err);

        var same = CliRunner.Run("tokenizer", "extend", "--tokenizer", baseDir, "--input", ja, "--add", "10", "--output", baseDir);
        Assert.Equal(1, same.ExitCode);
        Assert.Contains("would overwrite the base tokenizer", same.Err);

        Assert.All(new[] { "o1", "o2", "o3", "o4" }, o => Assert.False(Directory.Exists(Sub(o)), o));
        Assert.Equal(2, CliRunner.Run("tokenizer", "extend", "--tokenizer", baseDir, "--input", ja, "--output", Sub("o5")).ExitCode); // --add missing
    }

    [Fact]
    public void MergeKeepsEveryPieceOnceLoadsInSpmEncodeAndHonoursTheTargetSize()
    {
        var jaDir = Train("ja", 30_000, 1200, "ja"); // ~720 characters + 261 special/byte pieces
        var enDir = Train("en", 30_000, 500, "en");
        File.WriteAllLines(Sub("mixed.txt"), File.ReadAllLines(Sub("ja.txt")).Concat(File.ReadAllLines(Sub("en.txt"))));
        Ok("tokenizer", "merge", "--tokenizer", jaDir, enDir, "--input", Sub("mixed.txt"), "--output", Sub("all"), "--threads", "2");

        var (jaTok, enTok, all) = (TokenizerDirectory.LoadSentencePiece(jaDir), TokenizerDirectory.LoadSentencePiece(enDir), TokenizerDirectory.LoadSentencePiece(Sub("all")));
        var pieces = all.Model.Pieces.Select(p => p.Piece).ToList();
        Assert.Equal(pieces.Count, pieces.Distinct().Count());
        var normal = all.Model.Pieces.Where(p => p.Type == PieceType.Normal).Select(p => p.Piece).ToHashSet();
        var union = jaTok.Model.Pieces.Concat(enTok.Model.Pieces).Where(p => p.Type == PieceType.Normal).Select(p => p.Piece).ToHashSet();
        Assert.True(union.SetEquals(normal), $"merged NORMAL pieces differ from the union: {union.Count} vs {normal.Count}");
        Assert.Contains("<|im_start|>", pieces);
        Assert.True(all.ByteFallback);
        var lines = File.ReadAllLines(Sub("mixed.txt")).Where((_, i) => i % 5 == 0).Concat(EdgeLines).ToList();
        AssertSpmParity(Sub("all"), lines);

        Ok("tokenizer", "merge", "--tokenizer", jaDir, enDir, "--input", Sub("mixed.txt"), "--output", Sub("small"), "--vocab-size", "1300", "--threads", "2");
        var small = TokenizerDirectory.LoadSentencePiece(Sub("small"));
        Assert.Equal(1300, small.VocabSize);
        Assert.True(small.Model.Pieces.Where(p => p.Type == PieceType.Normal).All(p => normal.Contains(p.Piece)));
        AssertSpmParity(Sub("small"), lines);
    }

    [Fact]
    public void MergeRejectsBadInputWithClearErrors()
    {
        var enDir = Train("en", 15_000, 400, "en");
        var tooSmall = CliRunner.Run("tokenizer", "merge", "--tokenizer", enDir, enDir, "--input", Sub("en.txt"), "--output", Sub("o1"), "--vocab-size", "100");
        Assert.Equal(1, tooSmall.ExitCode);
        Assert.Contains("target size 100", tooSmall.Err);
        Assert.Contains("special/byte pieces", tooSmall.Err);

        var missing = CliRunner.Run("tokenizer", "merge", "--tokenizer", enDir, Sub("nope"), "--input", Sub("en.txt"), "--output", Sub("o2"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains(Sub("nope"), missing.Err);

        var negative = CliRunner.Run("tokenizer", "merge", "--tokenizer", enDir, "--input", Sub("en.txt"), "--output", Sub("o3"), "--vocab-size", "-5");
        Assert.Equal(1, negative.ExitCode);
        Assert.StartsWith("error: --vocab-size must be 0 (keep every piece) or positive", negative.Err);

        Assert.All(new[] { "o1", "o2", "o3" }, o => Assert.False(Directory.Exists(Sub(o)), o));
    }

    /// <summary>UTF-8 bytes the old ids stand for (byte pieces as their byte), concatenated.</summary>
    static byte[] Spell(SpmTokenizer tok, int[] ids) =>
        [.. ids.SelectMany(id => tok.Model.Pieces[id].Type == PieceType.Byte
            ? [Convert.ToByte(tok.Model.Pieces[id].Piece[3..5], 16)] // <0xNN>
            : Encoding.UTF8.GetBytes(tok.Model.Pieces[id].Piece))];

    /// <summary>spm_encode on dir/tokenizer.model gives the same ids as our encoder on the .model and on tokenizer.json.</summary>
    static void AssertSpmParity(string dir, IReadOnlyList<string> lines)
    {
        var spm = SpmEncode(Path.Combine(dir, "tokenizer.model"), lines);
        var fromModel = TokenizerDirectory.LoadSentencePiece(Path.Combine(dir, "tokenizer.model"));
        var fromJson = TokenizerDirectory.LoadSentencePiece(Path.Combine(dir, "tokenizer.json"));
        for (int i = 0; i < lines.Count; i++)
        {
            Assert.True(spm[i].SequenceEqual(fromModel.Encode(lines[i])), $"spm_encode differs on line {i}: {lines[i]}");
            Assert.True(spm[i].SequenceEqual(fromJson.Encode(lines[i])), $"tokenizer.json differs on line {i}: {lines[i]}");
        }
    }

    static List<int[]> SpmEncode(string model, IReadOnlyList<string> lines)
    {
        var psi = new ProcessStartInfo("spm_encode", $"--model={model} --output_format=id")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardInputEncoding = new UTF8Encoding(false),
        };
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException("spm_encode is not installed; run scripts/install-test-deps.sh", e); }
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(string.Join("\n", lines) + "\n");
        p.StandardInput.Close();
        var output = outTask.Result;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"spm_encode failed on {model}: {errTask.Result}");
        var result = output.Split('\n').SkipLast(1).Select(l => l.Length == 0 ? Array.Empty<int>() : l.Split(' ').Select(int.Parse).ToArray()).ToList();
        Assert.Equal(lines.Count, result.Count);
        return result;
    }
}
