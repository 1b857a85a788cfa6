using System.Buffers.Binary;
using Tsumugi.Modeling.Checkpoints;

namespace Tsumugi.Modeling.Tests.Checkpoints;

/// <summary>Every malformed input gives one clear line naming the file (and tensor) — never a crash or a wrong tensor.</summary>
[Collection(CheckpointTestCollection.Name)]
public class SafetensorsValidationTests
{
    static CheckpointException OpenFails(string path)
    {
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    static string Raw(TempDirectory dir, string header, int dataBytes, ulong? declaredLength = null)
    {
        string path = dir.File("bad.safetensors");
        RawSafetensors.Write(path, header, new byte[dataBytes], declaredLength);
        return path;
    }

    /// <summary>One F32 [2] tensor entry (8 bytes) with the given offsets.</summary>
    static string E(string name, long begin, long end) => $"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[{begin},{end}]}}";
    static string Obj(params string[] entries) => "{" + string.Join(",", entries) + "}";

    [Fact]
    public void FileShorterThanEightBytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("tiny.safetensors");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        Assert.Contains("shorter than the 8-byte", OpenFails(path).Message);
    }

    [Fact]
    public void HeaderLengthLargerThanFile()
    {
        using var dir = new TempDirectory();
        Assert.Contains("larger than the", OpenFails(Raw(dir, "{}", 0, declaredLength: 1000)).Message);
    }

    [Fact]
    public void HeaderLengthOverOneHundredMegabytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("huge-header.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 200_000_000);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("100 MB", OpenFails(path).Message);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"a\":")]
    public void HeaderNotJson(string header)
    {
        using var dir = new TempDirectory();
        Assert.Contains("not valid JSON", OpenFails(Raw(dir, header, 0)).Message);
    }

    [Fact]
    public void HeaderNotAnObject()
    {
        using var dir = new TempDirectory();
        Assert.Contains("expected an object", OpenFails(Raw(dir, "[1,2]", 0)).Message);
    }

    [Fact]
    public void UnknownDType()
    {
        using var dir = new TempDirectory();
        var m = OpenFails(Raw(dir, """{"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}""", 8)).Message;
        Assert.Contains("'w'", m);
        Assert.Contains("\"F33\"", m);
    }

    [Fact]
    public void ShapeTimesDTypeDiffersFromOffsets()
    {
        using var dir = new TempDirectory();
        var m = OpenFails(Raw(dir, """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8)).Message;
        Assert.Contains("'w'", m);
        Assert.Contains("12 bytes", m);
    }

    [Fact]
    public void OverlappingOffsets()
    {
        using var dir = new TempDirectory();
        var m = OpenFails(Raw(dir, Obj(E("a", 0, 8), E("b", 4, 12)), 12)).Message;
        Assert.Contains("overlap", m);
        Assert.Contains("'b'", m);
    }

    [Fact]
    public void GapBetweenTensors()
    {
        using var dir = new TempDirectory();
        var m = OpenFails(Raw(dir, Obj(E("a", 0, 8), E("b", 12, 20)), 20)).Message;
        Assert.Contains("not contiguous", m);
        Assert.Contains("'b'", m);
    }

    [Fact]
    public void FirstTensorNotAtStartOfBuffer()
    {
        using var dir = new TempDirectory();
        Assert.Contains("not contiguous", OpenFails(Raw(dir, Obj(E("a", 4, 12)), 12)).Message);
    }

    [Fact]
    public void TrailingBytesNotCovered()
    {
        using var dir = new TempDirectory();
        Assert.Contains("trailing bytes", OpenFails(Raw(dir, Obj(E("a", 0, 8)), 12)).Message);
    }

    [Fact]
    public void TruncatedLastTensor()
    {
        using var dir = new TempDirectory();
        var m = OpenFails(Raw(dir, Obj(E("a", 0, 8), E("b", 8, 16)), 13)).Message;
        Assert.Contains("truncated", m);
        Assert.Contains("'b'", m);
    }

    [Fact]
    public void DuplicateNames()
    {
        using var dir = new TempDirectory();
        var m = OpenFails(Raw(dir, Obj(E("a", 0, 8), E("a", 8, 16)), 16)).Message;
        Assert.Contains("'a' appears twice", m);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "non-negative")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", "must have 2")]
    [InlineData("""{"a":{"shape":[2],"data_offsets":[0,8]}}""", "\"dtype\"")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "end before")]
    [InlineData("""{"__metadata__":{"format":1}}""", "not a string")]
    public void MalformedEntries(string header, string expected)
    {
        using var dir = new TempDirectory();
        Assert.Contains(expected, OpenFails(Raw(dir, header, header.Contains("data_offsets") ? 8 : 0)).Message);
    }

    [Fact]
    public void ReadingAnUnknownTensorNamesIt()
    {
        using var dir = new TempDirectory();
        string path = Raw(dir, Obj(E("a", 0, 8)), 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Contains("'nope'", Assert.Throws<CheckpointException>(() => file.Read("nope")).Message);
    }

    [Fact]
    public void MissingFile()
    {
        using var dir = new TempDirectory();
        OpenFails(dir.File("absent.safetensors"));
    }
}
