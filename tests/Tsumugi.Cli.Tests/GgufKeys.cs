using System.Globalization;
using Tsumugi.Export.Gguf;

namespace Tsumugi.Cli.Tests;

/// <summary>The metadata of a GGUF file read back independently of the writer: scalar and string values as text, arrays as null.</summary>
public static class GgufKeys
{
    public static Dictionary<string, string?> Read(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        r.ReadBytes(8);
        r.ReadUInt64();
        ulong count = r.ReadUInt64();
        var keys = new Dictionary<string, string?>();
        for (ulong i = 0; i < count; i++)
        {
            var key = ReadString(r);
            keys[key] = Value(r, (GgufValueType)r.ReadUInt32());
        }
        return keys;
    }

    static string ReadString(BinaryReader r) => System.Text.Encoding.UTF8.GetString(r.ReadBytes((int)r.ReadUInt64()));

    static string? Value(BinaryReader r, GgufValueType type)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return r.ReadByte().ToString(CultureInfo.InvariantCulture);
            case GgufValueType.Int8: return r.ReadSByte().ToString(CultureInfo.InvariantCulture);
            case GgufValueType.Bool: return r.ReadByte() != 0 ? "true" : "false";
            case GgufValueType.UInt16: return r.ReadUInt16().ToString(CultureInfo.InvariantCulture);
            case GgufValueType.Int16: return r.ReadInt16().ToString(CultureInfo.InvariantCulture);
            case GgufValueType.UInt32: return r.ReadUInt32().ToString(CultureInfo.InvariantCulture);
            case GgufValueType.Int32: return r.ReadInt32().ToString(CultureInfo.InvariantCulture);
            case GgufValueType.Float32: return r.ReadSingle().ToString("R", CultureInfo.InvariantCulture);
            case GgufValueType.UInt64: return r.ReadUInt64().ToString(CultureInfo.InvariantCulture);
            case GgufValueType.Int64: return r.ReadInt64().ToString(CultureInfo.InvariantCulture);
            case GgufValueType.Float64: return r.ReadDouble().ToString("R", CultureInfo.InvariantCulture);
            case GgufValueType.String: return ReadString(r);
            case GgufValueType.Array:
                var element = (GgufValueType)r.ReadUInt32();
                ulong n = r.ReadUInt64();
                for (ulong i = 0; i < n; i++) Value(r, element);
                return null;
            default: throw new InvalidDataException($"{type}: not a GGUF value type");
        }
    }
}
