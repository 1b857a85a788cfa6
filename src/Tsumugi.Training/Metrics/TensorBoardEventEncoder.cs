using Google.Protobuf;

namespace Tsumugi.Training.Metrics;

/// <summary>
/// Serializes the two <c>tensorflow.Event</c> shapes a scalar logger needs, field by field, so no generated
/// proto code is required:
/// <code>
/// message Event   { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3; Summary summary = 5; } }
/// message Summary { repeated Value value = 1; message Value { string tag = 1; float simple_value = 2; } }
/// </code>
/// Zero-valued scalars are omitted, as every proto3 serializer does; readers default them to zero.
/// </summary>
internal static class TensorBoardEventEncoder
{
    private const int EventWallTime = 1, EventStep = 2, EventFileVersion = 3, EventSummary = 5;
    private const int SummaryValue = 1;
    private const int ValueTag = 1, ValueSimpleValue = 2;

    public static byte[] FileVersion(double wallTime, string fileVersion)
    {
        int size = HeaderSize(wallTime, 0)
            + CodedOutputStream.ComputeTagSize(EventFileVersion) + CodedOutputStream.ComputeStringSize(fileVersion);
        return Encode(size, output =>
        {
            WriteHeader(output, wallTime, 0);
            output.WriteTag(EventFileVersion, WireFormat.WireType.LengthDelimited);
            output.WriteString(fileVersion);
        });
    }

    public static byte[] Scalar(double wallTime, long step, string tag, float value)
    {
        int valueSize = CodedOutputStream.ComputeTagSize(ValueTag) + CodedOutputStream.ComputeStringSize(tag)
            + CodedOutputStream.ComputeTagSize(ValueSimpleValue) + CodedOutputStream.ComputeFloatSize(value);
        int summarySize = CodedOutputStream.ComputeTagSize(SummaryValue) + CodedOutputStream.ComputeLengthSize(valueSize) + valueSize;
        int size = HeaderSize(wallTime, step)
            + CodedOutputStream.ComputeTagSize(EventSummary) + CodedOutputStream.ComputeLengthSize(summarySize) + summarySize;
        return Encode(size, output =>
        {
            WriteHeader(output, wallTime, step);
            output.WriteTag(EventSummary, WireFormat.WireType.LengthDelimited);
            output.WriteLength(summarySize);
            output.WriteTag(SummaryValue, WireFormat.WireType.LengthDelimited);
            output.WriteLength(valueSize);
            output.WriteTag(ValueTag, WireFormat.WireType.LengthDelimited);
            output.WriteString(tag);
            // simple_value is always written, even 0: a summary value without it would carry no data at all.
            output.WriteTag(ValueSimpleValue, WireFormat.WireType.Fixed32);
            output.WriteFloat(value);
        });
    }

    private static int HeaderSize(double wallTime, long step) =>
        (wallTime != 0 ? CodedOutputStream.ComputeTagSize(EventWallTime) + CodedOutputStream.ComputeDoubleSize(wallTime) : 0)
        + (step != 0 ? CodedOutputStream.ComputeTagSize(EventStep) + CodedOutputStream.ComputeInt64Size(step) : 0);

    private static void WriteHeader(CodedOutputStream output, double wallTime, long step)
    {
        if (wallTime != 0)
        {
            output.WriteTag(EventWallTime, WireFormat.WireType.Fixed64);
            output.WriteDouble(wallTime);
        }
        if (step != 0)
        {
            output.WriteTag(EventStep, WireFormat.WireType.Varint);
            output.WriteInt64(step);
        }
    }

    private static byte[] Encode(int size, Action<CodedOutputStream> write)
    {
        byte[] buffer = new byte[size];
        using (var output = new CodedOutputStream(buffer))
        {
            write(output);
            // A size computed differently from what was written would corrupt the record; fail loudly instead.
            output.CheckNoSpaceLeft();
        }
        return buffer;
    }
}
