namespace Tsumugi.Common.Tests;

public class AtomicFileTests
{
    [Fact]
    public void WriterThatThrowsMidwayKeepsThePreviousFileAndLeavesNoTemporary()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.bin");
        File.WriteAllText(path, "previous");
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1 << 20]); // more than the buffer, so part of it reached the temporary file
            throw new InvalidOperationException("disk on fire");
        }));
        Assert.Equal("disk on fire", e.Message);
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal(["model.bin"], dir.Names());
    }

    [Fact]
    public void CommittedFileReplacesTheOldOne()
    {
        using var dir = new TempDirectory();
        var path = dir.File("config.json");
        File.WriteAllText(path, "a much longer previous content");
        AtomicFile.WriteAllText(path, "新しい");
        Assert.Equal("新しい"u8.ToArray(), File.ReadAllBytes(path)); // UTF-8, no byte-order mark
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["config.json"], dir.Names());
    }

    [Fact]
    public void PendingFileIsInvisibleUntilCommittedAndGoneWhenDisposedUncommitted()
    {
        using var dir = new TempDirectory();
        var path = dir.File("data.idx");
        string temp;
        using (var pending = AtomicFile.Create(path))
        {
            temp = pending.TempPath;
            Assert.Matches(@"^data\.idx\.[0-9a-f]{8}\.tmp$", Path.GetFileName(temp));
            pending.Stream.Write("abc"u8);
            Assert.False(File.Exists(path));
            Assert.True(File.Exists(temp));
        }
        Assert.Empty(dir.Names());

        using (var pending = AtomicFile.Create(path))
        {
            pending.Stream.Write("abc"u8);
            pending.Commit();
            Assert.Throws<ObjectDisposedException>(pending.Commit);
        }
        Assert.Equal("abc", File.ReadAllText(path)); // disposing after the commit keeps the file
        Assert.Equal(["data.idx"], dir.Names());
    }

    [Fact]
    public void SymlinkAtTheFinalPathIsReplacedNotWrittenThrough()
    {
        using var dir = new TempDirectory();
        var victim = dir.File("victim.txt");
        File.WriteAllText(victim, "untouched");
        var path = dir.File("out.json");
        File.CreateSymbolicLink(path, victim);
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public void SymlinkAtTheTemporaryNameIsNeverFollowedANewNameIsDrawn()
    {
        using var dir = new TempDirectory();
        var victim = dir.File("victim.txt");
        File.WriteAllText(victim, "untouched");
        var path = dir.File("out.bin");
        var trap = $"{path}.{0x1234:x8}.tmp";
        File.CreateSymbolicLink(trap, victim);
        var draws = new Queue<int>([0x1234, 0x5678]);
        using (var pending = new PendingFile(path, 4096, draws.Dequeue))
        {
            Assert.Equal($"{path}.{0x5678:x8}.tmp", pending.TempPath);
            pending.Stream.Write("new"u8);
            pending.Commit();
        }
        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.Equal(victim, new FileInfo(trap).LinkTarget);
        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public void WhenEveryTemporaryNameIsTakenTheWriteFailsWithoutTouchingAnything()
    {
        using var dir = new TempDirectory();
        var victim = dir.File("victim.txt");
        File.WriteAllText(victim, "untouched");
        var path = dir.File("out.bin");
        File.CreateSymbolicLink($"{path}.{7:x8}.tmp", victim);
        Assert.Throws<IOException>(() => new PendingFile(path, 4096, () => 7));
        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ParentDirectoriesAreCreated()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "a", "b", "c.txt");
        AtomicFile.Write(path, s => s.Write("x"u8));
        Assert.Equal("x", File.ReadAllText(path));
    }
}
