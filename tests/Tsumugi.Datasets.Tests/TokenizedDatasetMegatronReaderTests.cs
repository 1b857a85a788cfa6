using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Tsumugi.Datasets.Tokenize;
using Tsumugi.Tokenization.Encoding;
using static Tsumugi.Datasets.Tests.TokenizeInputs;

namespace Tsumugi.Datasets.Tests;

/// <summary>
/// What <c>data tokenize</c> writes, read by bench/datasets/interop/megatron_interop.py: numpy code that reads the
/// .idx/.bin the way Megatron-core's <c>_IndexReader</c>/<c>IndexedDataset</c> do (memory-mapped header, lengths,
/// pointers, document indices, Megatron's own count assertion, tokens by dtype code), independent of our reader.
/// The ids it finds must be the SentencePiece encoder's ids plus EOS.
/// </summary>
public sealed class TokenizedDatasetMegatronReaderTests : IDisposable
{
    readonly TempDirectory _dir = new();
    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(0, "uint16")]
    [InlineData(65_600, "int32")]
    public void MegatronsReaderFindsTheEncoderIdsFollowedByEos(int fillerPieces, string dtype)
    {
        var tokenizerDir = TestTokenizer.Write(_dir.File("tok"), fillerPieces);
        var tokenizer = SpmTokenizer.Load(Path.Combine(tokenizerDir, "tokenizer.model"));
        var texts = new Dictionary<string, List<string>>
        {
            ["ja"] = [.. Enumerable.Range(0, 40).Select(i => Text(i) + TestTokenizer.LastPiece)],
            ["en"] = [.. Enumerable.Range(100, 7).Select(Text)],
        };
        var input = WriteZst(_dir.File("in/shard-00000.jsonl.zst"),
            texts["ja"].Zip(texts["en"].Concat(Enumerable.Repeat<string?>(null, 40)))
                .SelectMany(p => p.Second is null ? [Record(p.First, "ja")] : new[] { Record(p.First, "ja"), Record(p.Second, "en") }));

        var result = new DatasetTokenizer(new TokenizeOptions { Inputs = [input], Tokenizer = tokenizerDir, Output = _dir.File("out"), Threads = 2 }).Run();

        Assert.Equal(2, result.Datasets.Count);
        foreach (var entry in result.Datasets)
        {
            Assert.Equal(dtype, entry.DType);
            var expected = _dir.File(entry.Name + ".expected.json");
            File.WriteAllText(expected, JsonSerializer.Serialize(new
            {
                dtype,
                sequences = texts[entry.Name].Select(t => tokenizer.Encode(t).Append(tokenizer.EosId).ToArray()),
            }));
            var (code, output) = Python(MegatronScript, "read", _dir.File("out/" + entry.Name), expected);
            Assert.True(code == 0, output);
            Assert.StartsWith($"OK {_dir.File("out/" + entry.Name)}: {dtype}, {texts[entry.Name].Count} sequences", output);
        }
    }

    static string MegatronScript => Path.Combine(RepoPaths.Root, "bench", "datasets", "interop", "megatron_interop.py");

    static (int Code, string Output) Python(params string[] args)
    {
        var python = PythonWithNumpy();
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    // Debian's python3-numpy serves /usr/bin/python3; a python3 earlier on PATH (pyenv, venv) may lack numpy.
    static string PythonWithNumpy()
    {
        foreach (var exe in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo(exe, ["-c", "import numpy"]) { RedirectStandardError = true })!;
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode == 0) return exe;
            }
            catch (Win32Exception)
            {
                // not installed; try the next
            }
        }
        throw new InvalidOperationException("no python3 with numpy (tried python3 on PATH and /usr/bin/python3); run scripts/install-test-deps.sh");
    }
}
