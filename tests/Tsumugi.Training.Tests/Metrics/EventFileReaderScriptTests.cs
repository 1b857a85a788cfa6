using Tsumugi.Training.Metrics;

namespace Tsumugi.Training.Tests.Metrics;

/// <summary>The independent reader must be strict, or the round-trip and SIGKILL tests prove nothing.</summary>
public sealed class EventFileReaderScriptTests
{
    [Theory]
    [InlineData(3)]   // inside the length
    [InlineData(9)]   // inside the length checksum
    [InlineData(14)]  // inside the data
    [InlineData(-2)]  // inside the last data checksum
    public void Rejects_a_file_with_one_flipped_bit(int offset)
    {
        using var directory = new TempDirectory();
        string path = WriteOneScalar(directory.Path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        Assert.Throws<InvalidDataException>(() => NodeEventFileReader.Read(path));
    }

    [Fact]
    public void RejectsAFileWhoseLastRecordIsCutShort()
    {
        using var directory = new TempDirectory();
        string path = WriteOneScalar(directory.Path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^1]);

        Assert.Throws<InvalidDataException>(() => NodeEventFileReader.Read(path));
    }

    private static string WriteOneScalar(string directory)
    {
        using var writer = new TensorBoardWriter(directory);
        writer.AddScalar("train/loss", 1.25, 3);
        return writer.FilePath;
    }
}
