using System.Buffers.Binary;
using Tsumugi.Datasets;

namespace Tsumugi.Datasets.Tests;

/// <summary>
/// Files built byte by byte from the documented MMIDIDX layout, without our writer: this is "a dataset written by
/// another tool" (Megatron preprocess_data.py / GPT-NeoX / datatrove).
/// </summary>
public class MegatronInteropTests
{
    /// <summary>Builds .idx bytes exactly as Megatron's <c>_IndexWriter.write</c> lays them out.</summary>
    internal static byte[] MegatronIndex(byte dtypeCode, int itemSize, int[] lengths, long[] documentIndices, ulong version = 1)
    {
        var s = lengths.Length;
        var bytes = new byte[34 + 12 * s + 8 * documentIndices.Length];
        "MMIDIDX\0\0"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(9), version);
        bytes[17] = dtypeCode;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(18), (ulong)s);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(26), (ulong)documentIndices.Length);
        long pointer = 0;
        for (var i = 0; i < s; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(34 + 4 * i), lengths[i]);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(34 + 4 * s + 8 * i), pointer);
            pointer += (long)lengths[i] * itemSize;
        }
        for (var i = 0; i < documentIndices.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(34 + 12 * s + 8 * i), documentIndices[i]);
        return bytes;
    }

    [Fact]
    public void ReadsAnInt32DatasetWithMultiSequenceDocuments()
    {
        using var dir = new TempDirectory();
        int[][] sequences = [[100_000, 7], [8, 9, 10], [70_001]];
        File.WriteAllBytes(dir.File("other.idx"), MegatronIndex(4, 4, sequences.Select(x => x.Length).ToArray(), [0, 2, 3]));
        var bin = new List<byte>();
        foreach (var t in sequences.SelectMany(x => x)) bin.AddRange(BitConverter.GetBytes(t));
        File.WriteAllBytes(dir.File("other.bin"), bin.ToArray());

        using var ds = IndexedDataset.Open(dir.File("other"));
        Assert.Equal(TokenDType.Int32, ds.DType);
        Assert.Equal(3, ds.SequenceCount);
        Assert.Equal(2, ds.DocumentCount);
        Assert.Equal(new long[] { 0, 2, 3 }, ds.GetDocumentIndices());
        for (var i = 0; i < sequences.Length; i++) Assert.Equal(sequences[i], ds.GetSequence(i));
    }

    [Fact]
    public void ReadsAUint16DatasetWithTrailingSequenceModes()
    {
        using var dir = new TempDirectory();
        ushort[] tokens = [1, 65_535, 3, 4, 5];
        var idx = MegatronIndex(8, 2, [2, 3], [0, 1, 2]).Concat(new byte[] { 0, 0 }).ToArray(); // multimodal sequence_modes
        File.WriteAllBytes(dir.File("m.idx"), idx);
        File.WriteAllBytes(dir.File("m.bin"), tokens.SelectMany(BitConverter.GetBytes).ToArray());
        using var ds = IndexedDataset.Open(dir.File("m"));
        Assert.Equal(new[] { 1, 65_535 }, ds.GetSequence(0));
        Assert.Equal(new[] { 3, 4, 5 }, ds.GetSequence(1));
        Assert.Equal(5, ds.TokenCount);
    }

    [Fact]
    public void OurWriterProducesTheSameBytesAsTheDocumentedLayout()
    {
        using var dir = new TempDirectory();
        var prefix = TestData.Write(dir.Path, "ours", [[1, 2, 3], [4]], vocab: 1000, eos: 0);
        Assert.Equal(MegatronIndex(8, 2, [4, 2], [0, 1, 2]), File.ReadAllBytes(prefix + ".idx"));
    }

    /// <summary>
    /// Fixtures written by numpy code that mirrors Megatron's <c>MMapIndexedDatasetBuilder</c> (add_item / end_document /
    /// finalize), see bench/datasets/interop/megatron_interop.py; this machine has no numpy, so the bytes were produced
    /// once elsewhere and are checked in.
    /// </summary>
    [Fact]
    public void ReadsFilesWrittenByANumpyMegatronBuilder()
    {
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        using (var u16 = IndexedDataset.Open(Path.Combine(fixtures, "megatron_uint16")))
        {
            Assert.Equal(TokenDType.UInt16, u16.DType);
            Assert.Equal(new[] { new[] { 1, 2, 3, 0 }, [65_535, 0], [7, 0] }, Enumerable.Range(0, 3).Select(u16.GetSequence));
            Assert.Equal(3, u16.DocumentCount);
        }
        using var i32 = IndexedDataset.Open(Path.Combine(fixtures, "megatron_int32"));
        Assert.Equal(TokenDType.Int32, i32.DType);
        Assert.Equal(new[] { new[] { 100_000, 5 }, [6, 0], [200_000, 0] }, Enumerable.Range(0, 3).Select(i32.GetSequence));
        Assert.Equal(new long[] { 0, 2, 3 }, i32.GetDocumentIndices()); // two sequences in the first document
    }
}
