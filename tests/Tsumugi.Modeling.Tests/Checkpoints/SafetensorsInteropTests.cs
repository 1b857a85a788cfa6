using System.Buffers.Binary;
using Tsumugi.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace Tsumugi.Modeling.Tests.Checkpoints;

/// <summary>Files built byte by byte from the format description, so reading is checked independently of our writer.</summary>
[Collection(CheckpointTestCollection.Name)]
public class SafetensorsInteropTests
{
    [Fact]
    public void HandBuiltFileWithHalfBFloatAndIntegersReadsCorrectly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("hand.safetensors");
        // F16 1.5 = 0x3E00, F16 -2 = 0xC000; BF16 -0.5 = 0xBF00 (0-rank); I64 0x0102030405060708; U8 [7, 255]
        byte[] data = [0x00, 0x3E, 0x00, 0xC0, 0x00, 0xBF, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 7, 255];
        RawSafetensors.Write(path,
            """{"__metadata__":{"format":"pt"},"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]},"i":{"dtype":"I64","shape":[1,1],"data_offsets":[6,14]},"u":{"dtype":"U8","shape":[2],"data_offsets":[14,16]}}""",
            data);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        var entry = file.Entries["h"];
        Assert.Equal(("h", "F16", 0L, 4L), (entry.Name, entry.DType, entry.Begin, entry.End));
        Assert.Equal([2L], entry.Shape);

        using var half = file.Read("h");
        Assert.Equal(float16, half.dtype);
        using var halfF = half.to(float32);
        Assert.Equal([1.5f, -2f], halfF.data<float>().ToArray());

        using var bf = file.Read("b", float32);
        Assert.Equal(0, bf.dim());
        Assert.Equal(-0.5f, bf.item<float>());

        using var i = file.Read("i");
        Assert.Equal([1L, 1L], i.shape);
        Assert.Equal(0x0102030405060708L, i.reshape(-1)[0].item<long>());

        using var u = file.Read("u");
        Assert.Equal([(byte)7, (byte)255], u.data<byte>().ToArray());
    }

    /// <summary>The reference implementation's own serialization vectors (safetensors/src/tensor.rs tests): our writer
    /// must produce the same bytes.</summary>
    [Fact]
    public void WriterMatchesReferenceSerializationBytes()
    {
        using var dir = new TempDirectory();
        using var attn = arange(6, dtype: float32).reshape(1, 1, 2, 3);
        string path = dir.File("ref.safetensors");
        SafetensorsWriter.Write(path, [new("attn0", attn)]);
        var expected = new List<byte>();
        expected.AddRange(BitConverter.GetBytes(72UL));
        expected.AddRange(System.Text.Encoding.UTF8.GetBytes("""{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}""" + new string(' ', 7)));
        for (int i = 0; i < 6; i++) expected.AddRange(BitConverter.GetBytes((float)i));
        Assert.Equal(expected, File.ReadAllBytes(path));

        SafetensorsWriter.Write(path, [], new Dictionary<string, string> { ["framework"] = "pt" });
        var empty = new List<byte>(BitConverter.GetBytes(40UL));
        empty.AddRange(System.Text.Encoding.UTF8.GetBytes("""{"__metadata__":{"framework":"pt"}}""" + new string(' ', 5)));
        Assert.Equal(empty, File.ReadAllBytes(path));
    }

    [Fact]
    public void UnpaddedHeaderAndOutOfOrderEntriesAreAccepted()
    {
        using var dir = new TempDirectory();
        string path = dir.File("unordered.safetensors");
        // header length 75 (not a multiple of 8); second tensor listed first
        var data = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(data, 2.5f);
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(4), -9);
        RawSafetensors.Write(path, """{"b":{"dtype":"I32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", data);
        using var file = SafetensorsFile.Open(path);
        using var a = file.Read("a");
        using var b = file.Read("b");
        Assert.Equal(2.5f, a.item<float>());
        Assert.Equal(-9, b.item<int>());
    }

    [Fact]
    public void OffsetsBeyondFourGigabytesUseLongArithmetic()
    {
        using var dir = new TempDirectory();
        string path = dir.File("sparse.safetensors");
        const long big = 4_500_000_000; // > 4 GB of U8: int and uint offsets would both overflow
        string header = $$$"""{"huge":{"dtype":"U8","shape":[{{{big}}}],"data_offsets":[0,{{{big}}}]},"tail":{"dtype":"F32","shape":[2],"data_offsets":[{{{big}}},{{{big + 8}}}]}}""";
        RawSafetensors.Write(path, header, []);
        long dataStart = new FileInfo(path).Length;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(dataStart + big + 8); // sparse: no disk blocks for the hole
            stream.Position = dataStart + big;
            var tail = new byte[8];
            BinaryPrimitives.WriteSingleLittleEndian(tail, 0.75f);
            BinaryPrimitives.WriteSingleLittleEndian(tail.AsSpan(4), -4f);
            stream.Write(tail);
        }
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(big, file.Entries["huge"].End);
        Assert.Equal([big], file.Entries["huge"].Shape);
        using var t = file.Read("tail");
        Assert.Equal([0.75f, -4f], t.data<float>().ToArray());
    }
}
