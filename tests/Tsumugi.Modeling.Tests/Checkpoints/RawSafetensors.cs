using System.Buffers.Binary;
using System.Text;

namespace Tsumugi.Modeling.Tests.Checkpoints;

/// <summary>Writes raw safetensors bytes by hand, independently of our writer.</summary>
public static class RawSafetensors
{
    public static void Write(string path, string headerJson, byte[] data, ulong? declaredHeaderLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        File.WriteAllBytes(path, bytes);
    }
}
