using System.Buffers.Binary;
using SkiaSharp;

namespace Tsumugi.Training.Tests.Metrics;

/// <summary>What the plot tests check in a PNG file: the signature, the IHDR size, and its pixels.</summary>
internal static class PngImage
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height from the IHDR chunk, which the PNG specification requires to come first.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        byte[] head = new byte[24];
        using (FileStream file = File.OpenRead(path))
            file.ReadExactly(head);
        Assert.Equal(Signature, head[..8]);
        Assert.Equal("IHDR"u8.ToArray(), head[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(20)));
    }

    /// <summary>How many pixels are within <paramref name="tolerance"/> per channel of <paramref name="color"/> (alpha ignored).</summary>
    public static int CountPixelsNear(SKBitmap bitmap, SKColor color, int tolerance)
    {
        int count = 0;
        foreach (SKColor pixel in bitmap.Pixels)
        {
            if (Math.Abs(pixel.Red - color.Red) <= tolerance && Math.Abs(pixel.Green - color.Green) <= tolerance
                && Math.Abs(pixel.Blue - color.Blue) <= tolerance)
                count++;
        }
        return count;
    }

    public static SKBitmap Decode(string path) =>
        SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path} does not decode as an image");
}
