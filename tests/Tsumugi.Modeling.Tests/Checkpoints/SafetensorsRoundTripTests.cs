using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Checkpoints;

[Collection(CheckpointTestCollection.Name)]
public class SafetensorsRoundTripTests
{
    internal static void AssertBitEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        using var e = expected.contiguous();
        using var a = actual.contiguous();
        Assert.True(e.bytes.SequenceEqual(a.bytes), "tensor bytes differ");
    }

    static Dictionary<string, Tensor> EveryDType()
    {
        manual_seed(7);
        return new Dictionary<string, Tensor>
        {
            ["f32"] = randn(3, 5),
            ["f16"] = randn(4, 2).to(float16),
            ["bf16"] = randn(2, 3, 2).to(bfloat16),
            ["f64"] = randn(7, dtype: float64),
            ["i64"] = randint(long.MinValue / 2, long.MaxValue / 2, [6], dtype: int64),
            ["i32"] = randint(-100000, 100000, [2, 2], dtype: int32),
            ["i16"] = randint(-30000, 30000, [5], dtype: int16),
            ["i8"] = randint(-128, 127, [9], dtype: int8),
            ["u8"] = randint(0, 255, [3, 3], dtype: uint8),
            ["bool"] = randint(0, 2, [4], dtype: int32).to(@bool),
            ["scalar"] = tensor(3.25f),
            ["empty"] = empty([0, 4], dtype: float32),
            ["層.重み.日本語"] = randn(2, 2),
        };
    }

    [Fact]
    public void EveryDTypeScalarEmptyAndNonAsciiNamesRoundTripBitEqual()
    {
        using var dir = new TempDirectory();
        var tensors = EveryDType();
        try
        {
            string path = dir.File("all.safetensors");
            SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["名前"] = "紬" });
            Assert.False(File.Exists(path + ".tmp"));
            using var file = SafetensorsFile.Open(path);
            Assert.Equal(tensors.Keys.Order(), file.Entries.Keys.Order());
            Assert.Equal("紬", file.Metadata["名前"]);
            Assert.Equal("pt", file.Metadata["format"]);
            foreach (var (name, expected) in tensors)
            {
                using var actual = file.Read(name);
                AssertBitEqual(expected, actual);
            }
            Assert.Empty(file.Entries["scalar"].Shape);
            Assert.Equal(file.Entries["empty"].Begin, file.Entries["empty"].End);
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    [Fact]
    public void TensorsLargerThanOneChunkAndNonContiguousViewsRoundTrip()
    {
        using var dir = new TempDirectory();
        manual_seed(3);
        using var big = randn(5_000_000); // 20 MB: crosses the 16 MB chunk boundary in both directions
        using var matrix = randn(300, 200);
        using var transposed = matrix.t(); // not contiguous
        using var row = matrix[7]; // contiguous view at a non-zero storage offset
        string path = dir.File("big.safetensors");
        SafetensorsWriter.Write(path, [new("big", big), new("t", transposed), new("row", row)]);
        using var file = SafetensorsFile.Open(path);
        using var bigBack = file.Read("big");
        using var tBack = file.Read("t");
        AssertBitEqual(big, bigBack);
        AssertBitEqual(transposed, tBack);
        using var rowBack = file.Read("row");
        AssertBitEqual(row, rowBack);
    }

    [Fact]
    public void ReadConvertsToRequestedDType()
    {
        using var dir = new TempDirectory();
        using var source = tensor(new float[] { 1.5f, -2.25f, 1e-3f });
        using var asBf16 = source.to(bfloat16);
        string path = dir.File("x.safetensors");
        SafetensorsWriter.Write(path, [new("x", asBf16)]);
        using var file = SafetensorsFile.Open(path);
        using var back = file.Read("x", float32);
        Assert.Equal(float32, back.dtype);
        using var expected = asBf16.to(float32);
        AssertBitEqual(expected, back);
    }

    [Fact]
    public void ReadIntoFillsSameDTypeInPlaceConvertsOtherwiseAndChecksShape()
    {
        using var dir = new TempDirectory();
        manual_seed(5);
        using var source = randn(4, 3);
        string path = dir.File("into.safetensors");
        SafetensorsWriter.Write(path, [new("w", source)]);
        using var file = SafetensorsFile.Open(path);

        using var same = zeros(4, 3);
        file.ReadInto("w", same);
        AssertBitEqual(source, same);

        using var half = zeros(4, 3, dtype: bfloat16);
        file.ReadInto("w", half);
        using var expected = source.to(bfloat16);
        AssertBitEqual(expected, half);

        using var wrong = zeros(3, 4);
        var m = Assert.Throws<CheckpointException>(() => file.ReadInto("w", wrong)).Message;
        Assert.Contains("[4, 3] in the file", m);
    }

    [Fact]
    public void HeaderIsPaddedWithSpacesToEightAndTensorsFollowReferenceOrder()
    {
        using var dir = new TempDirectory();
        using var a = ones(3, dtype: float16);
        using var b = ones(1, dtype: float32);
        using var c = ones(1, dtype: int64);
        using var d = ones(2, dtype: bfloat16);
        using var e = ones(5, dtype: @bool);
        string path = dir.File("order.safetensors");
        SafetensorsWriter.Write(path, [new("a_f16", a), new("b_f32", b), new("c_i64", c), new("d_bf16", d), new("e_bool", e), new("aa_f32", b)]);

        byte[] bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", header);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.True(header.TrimEnd(' ').Length > header.Length - 8, "padding is at most 7 spaces");

        using var doc = JsonDocument.Parse(header);
        var byOffset = doc.RootElement.EnumerateObject()
            .Where(p => p.Name != "__metadata__")
            .OrderBy(p => p.Value.GetProperty("data_offsets")[0].GetInt64())
            .Select(p => p.Name).ToList();
        // descending alignment (I64 > F32 > BF16 > F16 > BOOL), then name — the reference writer's order
        Assert.Equal(["c_i64", "aa_f32", "b_f32", "d_bf16", "a_f16", "e_bool"], byOffset);
        Assert.Equal(8 + n + 8 + 4 + 4 + 4 + 6 + 5, bytes.Length);
    }

    [Fact]
    public void WriterRejectsDuplicateAndReservedNamesAndLeavesNoTempFile()
    {
        using var dir = new TempDirectory();
        using var x = ones(1);
        string path = dir.File("dup.safetensors");
        var e1 = Assert.Throws<CheckpointException>(() => SafetensorsWriter.Write(path, [new("x", x), new("x", x)]));
        Assert.Contains("'x'", e1.Message);
        var e2 = Assert.Throws<CheckpointException>(() => SafetensorsWriter.Write(path, [new("__metadata__", x)]));
        Assert.Contains("reserved", e2.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void RewriteReplacesTheFileAtomically()
    {
        using var dir = new TempDirectory();
        using var one = ones(4);
        using var two = full(4, 2f);
        string path = dir.File("w.safetensors");
        SafetensorsWriter.Write(path, [new("w", one)]);
        SafetensorsWriter.Write(path, [new("w", two)]);
        using var file = SafetensorsFile.Open(path);
        using var back = file.Read("w");
        AssertBitEqual(two, back);
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}
