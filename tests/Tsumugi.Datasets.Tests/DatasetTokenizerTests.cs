using System.Security.Cryptography;
using Tsumugi.Datasets.Tokenize;
using Tsumugi.Tokenization.Encoding;
using static Tsumugi.Datasets.Tests.TokenizeInputs;

namespace Tsumugi.Datasets.Tests;

public sealed class DatasetTokenizerTests : IDisposable
{
    readonly TempDirectory _dir = new();
    readonly string _tokenizerDir;
    readonly SpmTokenizer _tokenizer;

    public DatasetTokenizerTests()
    {
        _tokenizerDir = TestTokenizer.Write(_dir.File("tok"));
        _tokenizer = SpmTokenizer.Load(Path.Combine(_tokenizerDir, "tokenizer.model"));
    }

    public void Dispose() => _dir.Dispose();

    TokenizeResult Run(IEnumerable<string> inputs, string output = "out", string? name = null, string? domain = null, int threads = 2,
        string textField = "text", string? tokenizer = null) =>
        new DatasetTokenizer(new TokenizeOptions
        {
            Inputs = [.. inputs], Tokenizer = tokenizer ?? _tokenizerDir, Output = _dir.File(output), Name = name, Domain = domain,
            Threads = threads, TextField = textField,
        }).Run();

    int[] Expected(string text) => [.. _tokenizer.Encode(text), _tokenizer.EosId];

    static int[][] Sequences(IndexedDataset ds) => Enumerable.Range(0, ds.SequenceCount).Select(ds.GetSequence).ToArray();

    [Fact]
    public void EveryDocumentIsStoredAsTheTokenizerIdsFollowedByEos()
    {
        var texts = Enumerable.Range(0, 10).Select(Text).ToList();
        var input = WriteJsonl(_dir.File("in/docs.jsonl"), texts.Select(t => Record(t)));

        var result = Run([input]);

        using var ds = IndexedDataset.Open(_dir.File("out/default"));
        Assert.Equal(TokenDType.UInt16, ds.DType);
        Assert.Equal(texts.Select(Expected).ToArray(), Sequences(ds));
        Assert.Contains(Sequences(ds), s => s.Contains(_tokenizer.PieceToId("<0xE7>"))); // byte fallback (犬, 鯨) survives
        Assert.Equal(10, result.Documents);
        Assert.Equal(texts.Sum(t => _tokenizer.Encode(t).Length + 1), result.Tokens);
        Assert.Equal(ds.TokenCount, result.Tokens);
        Assert.Equal(0, result.Skipped);
        Assert.Equal("default", Assert.Single(result.Datasets).Name);
    }

    [Fact]
    public void ShardsAreSplitByTheirDomainFieldAndPlainInputsTakeTheDomainOption()
    {
        var shard1 = WriteZst(_dir.File("in/shard-00000.jsonl.zst"), [Record(Text(1), "ja"), Record(Text(2), "en"), Record(Text(3), "ja")]);
        var shard2 = WriteZst(_dir.File("in/shard-00001.jsonl.zst"), [Record(Text(4), "ja")]);
        var notes = _dir.File("plain/notes.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(notes)!);
        File.WriteAllText(notes, Text(5));

        var result = Run([shard1, shard2, notes], domain: "web");

        Assert.Equal(["en", "ja", "web"], result.Datasets.Select(d => d.Name));
        using (var ja = IndexedDataset.Open(_dir.File("out/ja"))) Assert.Equal(new[] { Expected(Text(1)), Expected(Text(3)), Expected(Text(4)) }, Sequences(ja));
        using (var en = IndexedDataset.Open(_dir.File("out/en"))) Assert.Equal(new[] { Expected(Text(2)) }, Sequences(en));
        using (var web = IndexedDataset.Open(_dir.File("out/web"))) Assert.Equal(new[] { Expected(Text(5)) }, Sequences(web));

        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(_tokenizerDir, "tokenizer.model"))));
        Assert.Equal(hash, result.TokenizerHash);
        var manifest = DatasetManifest.Load(_dir.File("out"));
        Assert.Equal(["en", "ja", "web"], manifest.Datasets.Select(d => d.Name));
        foreach (var entry in manifest.Datasets)
        {
            using var ds = IndexedDataset.Open(_dir.File("out/" + entry.Name));
            Assert.Equal(entry.Name, entry.Domain);
            Assert.Equal(ds.TokenCount, entry.Tokens);
            Assert.Equal(ds.DocumentCount, entry.Documents);
            Assert.Equal("uint16", entry.DType);
            Assert.Equal(_tokenizer.VocabSize, entry.VocabularySize);
            Assert.Equal(_tokenizer.EosId, entry.EosId);
            Assert.Equal(hash, entry.TokenizerHash);
        }
        Assert.Equal(5, result.Documents);
        Assert.Equal(manifest.Datasets.Sum(d => d.Tokens), result.Tokens);
    }

    [Fact]
    public void NameWritesEveryDocumentIntoOneDatasetInInputOrder()
    {
        var a = WriteJsonl(_dir.File("in/a.jsonl"), [Record(Text(1), "ja"), Record(Text(2), "ja")]);
        var b = WriteJsonl(_dir.File("in/b.jsonl"), [Record(Text(3), "en")]);

        var mixed = Run([b, a], output: "mixed", name: "all");
        using (var ds = IndexedDataset.Open(_dir.File("mixed/all")))
            Assert.Equal(new[] { Expected(Text(3)), Expected(Text(1)), Expected(Text(2)) }, Sequences(ds));
        Assert.Null(Assert.Single(mixed.Datasets).Domain); // a mixture has no single domain
        Assert.Equal("ja", Assert.Single(Run([a], output: "one", name: "all").Datasets).Domain);
        Assert.Equal("web", Assert.Single(Run([a, b], output: "labelled", name: "all", domain: "web").Datasets).Domain);
    }

    [Fact]
    public void OutputBytesDoNotDependOnTheThreadCount()
    {
        // Several small files (files in parallel) and one file larger than an encoding batch (batches in parallel).
        var inputs = new List<string>();
        for (var f = 0; f < 6; f++)
            inputs.Add(WriteZst(_dir.File($"in/shard-{f:D5}.jsonl.zst"),
                Enumerable.Range(0, 5 + 13 * f).Select(i => Record(Text(f * 1000 + i), i % 3 == 0 ? "en" : "ja"))));
        inputs.Add(WriteJsonl(_dir.File("in/big.jsonl"), Enumerable.Range(0, 2600).Select(i => Record(Text(i), i % 5 == 0 ? "code" : "ja"))));

        var reference = Run(inputs, output: "t1", threads: 1);
        Assert.Equal(["code", "en", "ja"], reference.Datasets.Select(d => d.Name));
        foreach (var threads in new[] { 3, 8 })
        {
            var result = Run(inputs, output: $"t{threads}", threads: threads);
            Assert.Equal(reference.Tokens, result.Tokens);
            foreach (var name in new[] { "code.bin", "code.idx", "en.bin", "en.idx", "ja.bin", "ja.idx", "manifest.json" })
                Assert.True(File.ReadAllBytes(_dir.File($"t1/{name}")).SequenceEqual(File.ReadAllBytes(_dir.File($"t{threads}/{name}"))),
                    $"{name} differs between 1 and {threads} threads");
        }
    }

    [Fact]
    public void CorruptRecordsAreSkippedCountedAndReportedWithFileAndLine()
    {
        var bad = WriteJsonl(_dir.File("in/bad.jsonl"),
            [Record(Text(1)), "{\"text\": \"unterminated", Record(Text(2)), "{\"id\": \"no text\"}", Record(Text(3)), "[1, 2]"]);

        var result = Run([bad]);

        Assert.Equal(3, result.Documents);
        Assert.Equal(3, result.ErroredRecords);
        Assert.Equal(2, result.IssueCounts["malformed_json"]);
        Assert.Equal(1, result.IssueCounts["missing_field"]);
        Assert.Equal([$"{bad}:2", $"{bad}:4", $"{bad}:6"], result.IssueSamples.Select(i => i.Where));
        using var ds = IndexedDataset.Open(_dir.File("out/default"));
        Assert.Equal(new[] { Expected(Text(1)), Expected(Text(2)), Expected(Text(3)) }, Sequences(ds));
    }

    [Fact]
    public void TruncatedShardKeepsTheDocumentsBeforeTheCutAndReportsIt()
    {
        var path = WriteZst(_dir.File("in/cut.jsonl.zst"), Enumerable.Range(0, 4000).Select(i => Record($"{Text(i)} {i * 7919 % 100003}", "ja")));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var result = Run([path]);

        Assert.Equal(1, result.IssueCounts["truncated"]);
        Assert.Equal(1, result.ErroredRecords);
        Assert.InRange(result.Documents, 1, 3999);
        Assert.StartsWith(path, Assert.Single(result.IssueSamples).Where);
    }

    [Fact]
    public void EmptyDocumentsAreSkippedAndCounted()
    {
        var input = WriteJsonl(_dir.File("in/e.jsonl"), [Record(""), Record(Text(1)), Record(" \n\t ")]);
        var result = Run([input]);
        Assert.Equal(1, result.Documents);
        Assert.Equal(2, result.EmptyDocuments);
        Assert.Equal(2, result.Skipped);
        using var ds = IndexedDataset.Open(_dir.File("out/default"));
        Assert.Equal(new[] { Expected(Text(1)) }, Sequences(ds));
    }

    [Fact]
    public void VocabularyOf65500PiecesOrMoreIsStoredAsInt32()
    {
        var big = TestTokenizer.Write(_dir.File("big"), fillerPieces: 65_600);
        var tokenizer = SpmTokenizer.Load(Path.Combine(big, "tokenizer.model"));
        Assert.True(tokenizer.VocabSize >= TokenDTypes.UInt16VocabularyLimit);
        var input = WriteJsonl(_dir.File("in/dog.jsonl"), [Record($"猫と{TestTokenizer.LastPiece}です")]);

        var result = Run([input], tokenizer: big);

        using var ds = IndexedDataset.Open(_dir.File("out/default"));
        Assert.Equal(TokenDType.Int32, ds.DType);
        var ids = ds.GetSequence(0);
        Assert.Equal([.. tokenizer.Encode($"猫と{TestTokenizer.LastPiece}です"), tokenizer.EosId], ids);
        Assert.Contains(tokenizer.VocabSize - 1, ids); // an id above 65,535 survives the round trip
        Assert.True(tokenizer.VocabSize - 1 > ushort.MaxValue);
        Assert.Equal("int32", Assert.Single(result.Datasets).DType);
    }

    [Fact]
    public void MissingTokenizerOrInputOrEosPieceIsAClearErrorAndWritesNothing()
    {
        var input = WriteJsonl(_dir.File("in/a.jsonl"), [Record(Text(1))]);

        var noTokenizer = Assert.Throws<FileNotFoundException>(() => Run([input], tokenizer: _dir.File("absent")));
        Assert.Contains(_dir.File("absent"), noTokenizer.Message);
        Assert.Contains("tokenizer train", noTokenizer.Message);
        var noModel = Assert.Throws<FileNotFoundException>(() => Run([input], tokenizer: _dir.File("in")));
        Assert.Contains("has neither tokenizer.model nor tokenizer.json", noModel.Message);
        var noInput = Assert.Throws<FileNotFoundException>(() => Run([_dir.File("nope.jsonl")]));
        Assert.Contains(_dir.File("nope.jsonl"), noInput.Message);
        var noEos = TestTokenizer.Write(_dir.File("noeos"), withEos: false);
        Assert.Contains("no end-of-sequence token", Assert.Throws<InvalidDataException>(() => Run([input], tokenizer: noEos)).Message);
        Assert.Contains("--name '../x'", Assert.Throws<ArgumentException>(() => Run([input], name: "../x")).Message);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public void CorpusFolderIsReadThroughItsShardsAndNoTemporaryFileIsLeft()
    {
        var clean = _dir.File("clean");
        WriteZst(Path.Combine(clean, "shard-00000.jsonl.zst"), [Record(Text(1), "ja")]);
        WriteZst(Path.Combine(clean, "shard-00001.jsonl.zst"), [Record(Text(2), "ja")]);
        WriteZst(Path.Combine(clean, "shard-00001.rejected.jsonl.zst"), [Record(Text(3), "ja")]);
        File.WriteAllText(Path.Combine(clean, "plan.json"), "{\"files\": []}");
        File.WriteAllText(Path.Combine(clean, "summary.json"), "{\"docs_in\": 3}");
        File.WriteAllText(Path.Combine(clean, "shard-00000.done.json"), "{\"docs\": 1}");

        var result = Run([clean]);

        Assert.Equal(2, result.Files);
        Assert.Equal(0, result.ErroredRecords);
        using (var ds = IndexedDataset.Open(_dir.File("out/ja"))) Assert.Equal(new[] { Expected(Text(1)), Expected(Text(2)) }, Sequences(ds));
        // Only the dataset and the manifest (and the manifest's lock file, DatasetManifest's business) remain.
        var left = Directory.EnumerateFileSystemEntries(_dir.File("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["ja.bin", "ja.idx", "manifest.json"], left.Where(name => name != "manifest.json.lock"));
    }

    [Fact]
    public void TextFieldOptionReadsAnotherJsonField()
    {
        var input = WriteJsonl(_dir.File("in/c.jsonl"), [$"{{\"content\": \"{Text(0)}\", \"domain\": \"code\"}}"]);
        var result = Run([input], textField: "content");
        Assert.Equal(1, result.Documents);
        using var ds = IndexedDataset.Open(_dir.File("out/code"));
        Assert.Equal(new[] { Expected(Text(0)) }, Sequences(ds));
    }
}
