using Google.Protobuf;
using Tsumugi.Common;

namespace Tsumugi.Tokenization.Spm;

/// <summary>
/// Hand-written reader/writer for sentencepiece_model.proto (proto2) on Google.Protobuf's coded streams, so no
/// generated code is needed. Fields are written in ascending number like spm does; unknown fields are preserved.
/// </summary>
public static class SpmModelIO
{
    public static SpmModel Read(string path)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"SentencePiece model not found: {path}; pass the path of a tokenizer.model file.", path); }
        try { return Parse(data); }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            throw new InvalidDataException($"{path} is not a valid SentencePiece .model ({e.Message}); re-export it with sentencepiece or `tsumugi tokenizer train`.", e);
        }
    }

    // Once per load over every piece: precompiled (ReadyToRun) in the CLI's Release build (Tsumugi.Cli.csproj),
    // which starts sooner than an AggressiveOptimization JIT at the first call (load is part of each CLI run).
    public static SpmModel Parse(byte[] data)
    {
        var model = new SpmModel();
        var input = new CodedInputStream(data);
        var unknown = new MemoryStream();
        while (true)
        {
            long start = input.Position;
            uint tag = input.ReadTag();
            if (tag == 0) break;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    // Parsed in place from the model's bytes: a copy and a coded stream per piece were most of the
                    // load's garbage (~400 bytes a piece), and loading is part of every `tokenizer encode`.
                    int at = (int)input.Position;
                    input.SkipLastField();
                    model.Pieces.Add(ParsePiece(LengthDelimitedPayload(data.AsSpan(at, (int)input.Position - at))));
                    break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    model.TrainerSpec = ParseTrainerSpec(input.ReadBytes().ToByteArray());
                    break;
                case 3 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    model.NormalizerSpec = ParseNormalizerSpec(input.ReadBytes().ToByteArray());
                    break;
                default:
                    input.SkipLastField();
                    unknown.Write(data, (int)start, (int)(input.Position - start));
                    break;
            }
        }
        if (model.Pieces.Count == 0) throw new InvalidDataException("the model has no pieces");
        Validate(model);
        model.UnknownFields = unknown.ToArray();
        return model;
    }

    /// <summary>The load-time checks sentencepiece itself makes, with the same wording where it has one.</summary>
    public static void Validate(SpmModel model)
    {
        var seen = new HashSet<string>(model.Pieces.Count, StringComparer.Ordinal);
        int unk = 0, bytes = 0;
        foreach (var p in model.Pieces)
        {
            if (p.Piece.Length == 0) throw new InvalidDataException("piece must not be empty");
            if (!seen.Add(p.Piece)) throw new InvalidDataException($"{p.Piece} is already defined");
            if (p.Type == PieceType.Unknown) unk++;
            if (p.Type == PieceType.Byte)
            {
                if (!model.TrainerSpec.ByteFallback) throw new InvalidDataException($"byte piece {p.Piece} is found although byte_fallback is false");
                bytes++;
            }
        }
        if (unk == 0) throw new InvalidDataException("unk is not defined");
        if (unk > 1) throw new InvalidDataException("unk is defined more than once");
        if (model.TrainerSpec.ByteFallback && bytes != 256) throw new InvalidDataException("there are not 256 byte pieces although byte_fallback is true");
    }

    static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The payload of a length-delimited field (its varint length prefix dropped).</summary>
    static ReadOnlySpan<byte> LengthDelimitedPayload(ReadOnlySpan<byte> field)
    {
        int i = 0;
        ulong len = ReadVarint(field, ref i);
        if (len != (ulong)(field.Length - i)) throw new InvalidDataException("a piece's length prefix does not match its field");
        return field[i..];
    }

    // Once per load over every piece: precompiled (ReadyToRun) in the CLI's Release build (Tsumugi.Cli.csproj),
    // which starts sooner than an AggressiveOptimization JIT at the first call (load is part of each CLI run).
    static SpmPiece ParsePiece(ReadOnlySpan<byte> data)
    {
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        int i = 0;
        while (i < data.Length)
        {
            ulong tag = ReadVarint(data, ref i);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            if (field == 0) throw new InvalidDataException("a piece contains an invalid tag (zero)");
            switch (field, wire)
            {
                case (1, 2):
                    var bytes = Take(data, ref i, ReadVarint(data, ref i));
                    try { piece = StrictUtf8.GetString(bytes); }
                    catch (System.Text.DecoderFallbackException) { throw new InvalidDataException("a piece is not valid UTF-8"); }
                    break;
                case (2, 5):
                    score = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(Take(data, ref i, 4));
                    break;
                case (3, 0):
                    int t = (int)ReadVarint(data, ref i);
                    if (t < 1 || t > 6) throw new InvalidDataException($"unknown piece type {t}");
                    type = (PieceType)t;
                    break;
                default: SkipField(data, ref i, wire); break;
            }
        }
        return new SpmPiece(piece, score, type);
    }

    static ulong ReadVarint(ReadOnlySpan<byte> data, ref int i)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (i >= data.Length) throw new InvalidDataException("a piece ends inside a varint");
            byte b = data[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("a piece contains a malformed varint");
    }

    static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int i, ulong length)
    {
        if (length > (ulong)(data.Length - i)) throw new InvalidDataException("a piece's field runs past its end");
        var span = data.Slice(i, (int)length);
        i += (int)length;
        return span;
    }

    static void SkipField(ReadOnlySpan<byte> data, ref int i, int wire)
    {
        switch (wire)
        {
            case 0: ReadVarint(data, ref i); break;
            case 1: Take(data, ref i, 8); break;
            case 2: Take(data, ref i, ReadVarint(data, ref i)); break;
            case 5: Take(data, ref i, 4); break;
            default: throw new InvalidDataException($"a piece contains an unsupported wire type {wire}");
        }
    }

    static SpmTrainerSpec ParseTrainerSpec(byte[] data)
    {
        var s = new SpmTrainerSpec();
        var input = new CodedInputStream(data);
        var unknown = new MemoryStream();
        while (true)
        {
            long start = input.Position;
            uint tag = input.ReadTag();
            if (tag == 0) break;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: s.Input.Add(input.ReadString()); break;
                case 2: s.ModelPrefix = input.ReadString(); break;
                case 3: s.ModelType = (SpmModelType)input.ReadEnum(); break;
                case 4: s.VocabSize = input.ReadInt32(); break;
                case 10: s.CharacterCoverage = input.ReadFloat(); break;
                case 11: s.InputSentenceSize = input.ReadUInt64(); break;
                case 14: s.SeedSentencepieceSize = input.ReadInt32(); break;
                case 15: s.ShrinkingFactor = input.ReadFloat(); break;
                case 16: s.NumThreads = input.ReadInt32(); break;
                case 17: s.NumSubIterations = input.ReadInt32(); break;
                case 18: s.MaxSentenceLength = input.ReadInt32(); break;
                case 19: s.ShuffleInputSentence = input.ReadBool(); break;
                case 20: s.MaxSentencepieceLength = input.ReadInt32(); break;
                case 21: s.SplitByUnicodeScript = input.ReadBool(); break;
                case 22: s.SplitByWhitespace = input.ReadBool(); break;
                case 23: s.SplitByNumber = input.ReadBool(); break;
                case 24: s.TreatWhitespaceAsSuffix = input.ReadBool(); break;
                case 25: s.SplitDigits = input.ReadBool(); break;
                case 26: s.AllowWhitespaceOnlyPieces = input.ReadBool(); break;
                case 30: s.ControlSymbols.Add(input.ReadString()); break;
                case 31: s.UserDefinedSymbols.Add(input.ReadString()); break;
                case 33: s.HardVocabLimit = input.ReadBool(); break;
                case 35: s.ByteFallback = input.ReadBool(); break;
                case 36: s.RequiredChars = input.ReadString(); break;
                case 40: s.UnkId = input.ReadInt32(); break;
                case 41: s.BosId = input.ReadInt32(); break;
                case 42: s.EosId = input.ReadInt32(); break;
                case 43: s.PadId = input.ReadInt32(); break;
                case 44: s.UnkSurface = input.ReadString(); break;
                case 45: s.UnkPiece = input.ReadString(); break;
                case 46: s.BosPiece = input.ReadString(); break;
                case 47: s.EosPiece = input.ReadString(); break;
                case 48: s.PadPiece = input.ReadString(); break;
                default:
                    input.SkipLastField();
                    unknown.Write(data, (int)start, (int)(input.Position - start));
                    break;
            }
        }
        s.UnknownFields = unknown.ToArray();
        return s;
    }

    static SpmNormalizerSpec ParseNormalizerSpec(byte[] data)
    {
        var s = new SpmNormalizerSpec();
        var input = new CodedInputStream(data);
        var unknown = new MemoryStream();
        while (true)
        {
            long start = input.Position;
            uint tag = input.ReadTag();
            if (tag == 0) break;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: s.Name = input.ReadString(); break;
                case 2: s.PrecompiledCharsmap = input.ReadBytes().ToByteArray(); break;
                case 3: s.AddDummyPrefix = input.ReadBool(); break;
                case 4: s.RemoveExtraWhitespaces = input.ReadBool(); break;
                case 5: s.EscapeWhitespaces = input.ReadBool(); break;
                case 6: s.NormalizationRuleTsv = input.ReadString(); break;
                default:
                    input.SkipLastField();
                    unknown.Write(data, (int)start, (int)(input.Position - start));
                    break;
            }
        }
        s.UnknownFields = unknown.ToArray();
        return s;
    }

    public static void Write(SpmModel model, string path)
    {
        Validate(model);
        AtomicFile.WriteAllBytes(path, Serialize(model));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static byte[] Serialize(SpmModel model)
    {
        var ms = new MemoryStream();
        var o = new CodedOutputStream(ms, leaveOpen: true);
        foreach (var p in model.Pieces)
        {
            // The SentencePiece submessage written in place (length first): piece, score, type — one-byte tags.
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteLength(1 + CodedOutputStream.ComputeStringSize(p.Piece) + 1 + 4 + 1 + CodedOutputStream.ComputeEnumSize((int)p.Type));
            o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(p.Piece);
            o.WriteTag(2, WireFormat.WireType.Fixed32); o.WriteFloat(p.Score);
            o.WriteTag(3, WireFormat.WireType.Varint); o.WriteEnum((int)p.Type);
        }
        o.WriteTag(2, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(SerializeTrainerSpec(model.TrainerSpec)));
        o.WriteTag(3, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(SerializeNormalizerSpec(model.NormalizerSpec)));
        o.Flush();
        ms.Write(model.UnknownFields); // verbatim tag+value bytes; CodedOutputStream has no public raw write
        return ms.ToArray();
    }

    static byte[] SerializeTrainerSpec(SpmTrainerSpec s) => Message(w =>
    {
        foreach (var i in s.Input) Str(w, 1, i);
        if (s.ModelPrefix.Length > 0) Str(w, 2, s.ModelPrefix);
        Int(w, 3, (int)s.ModelType);
        Int(w, 4, s.VocabSize);
        Flt(w, 10, s.CharacterCoverage);
        w.WriteTag(11, WireFormat.WireType.Varint); w.WriteUInt64(s.InputSentenceSize);
        Int(w, 14, s.SeedSentencepieceSize);
        Flt(w, 15, s.ShrinkingFactor);
        Int(w, 16, s.NumThreads);
        Int(w, 17, s.NumSubIterations);
        Int(w, 18, s.MaxSentenceLength);
        Bool(w, 19, s.ShuffleInputSentence);
        Int(w, 20, s.MaxSentencepieceLength);
        Bool(w, 21, s.SplitByUnicodeScript);
        Bool(w, 22, s.SplitByWhitespace);
        Bool(w, 23, s.SplitByNumber);
        Bool(w, 24, s.TreatWhitespaceAsSuffix);
        Bool(w, 25, s.SplitDigits);
        Bool(w, 26, s.AllowWhitespaceOnlyPieces);
        foreach (var c in s.ControlSymbols) Str(w, 30, c);
        foreach (var u in s.UserDefinedSymbols) Str(w, 31, u);
        Bool(w, 33, s.HardVocabLimit);
        Bool(w, 35, s.ByteFallback);
        if (s.RequiredChars.Length > 0) Str(w, 36, s.RequiredChars);
        Int(w, 40, s.UnkId);
        Int(w, 41, s.BosId);
        Int(w, 42, s.EosId);
        Int(w, 43, s.PadId); // negative int32 -> sign-extended 10-byte varint, as protobuf requires
        Str(w, 44, s.UnkSurface);
        Str(w, 45, s.UnkPiece);
        Str(w, 46, s.BosPiece);
        Str(w, 47, s.EosPiece);
        Str(w, 48, s.PadPiece);
    }, s.UnknownFields);

    static byte[] SerializeNormalizerSpec(SpmNormalizerSpec s) => Message(w =>
    {
        Str(w, 1, s.Name);
        w.WriteTag(2, WireFormat.WireType.LengthDelimited); w.WriteBytes(ByteString.CopyFrom(s.PrecompiledCharsmap));
        Bool(w, 3, s.AddDummyPrefix);
        Bool(w, 4, s.RemoveExtraWhitespaces);
        Bool(w, 5, s.EscapeWhitespaces);
        if (s.NormalizationRuleTsv.Length > 0) Str(w, 6, s.NormalizationRuleTsv);
    }, s.UnknownFields);

    static void Str(CodedOutputStream w, int f, string v) { w.WriteTag(f, WireFormat.WireType.LengthDelimited); w.WriteString(v); }
    static void Int(CodedOutputStream w, int f, int v) { w.WriteTag(f, WireFormat.WireType.Varint); w.WriteInt32(v); }
    static void Bool(CodedOutputStream w, int f, bool v) { w.WriteTag(f, WireFormat.WireType.Varint); w.WriteBool(v); }
    static void Flt(CodedOutputStream w, int f, float v) { w.WriteTag(f, WireFormat.WireType.Fixed32); w.WriteFloat(v); }

    static byte[] Message(Action<CodedOutputStream> body, byte[]? tail = null)
    {
        var ms = new MemoryStream();
        var w = new CodedOutputStream(ms, leaveOpen: true);
        body(w);
        w.Flush();
        if (tail != null) ms.Write(tail);
        return ms.ToArray();
    }
}
