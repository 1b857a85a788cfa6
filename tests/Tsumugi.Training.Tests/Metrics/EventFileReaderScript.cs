namespace Tsumugi.Training.Tests.Metrics;

/// <summary>
/// An event-file reader written from the format description, in JavaScript, sharing no code with the C# writer:
/// its own CRC-32C table, TFRecord framing and hand-decoded protobuf (varint, fixed64 double, length-delimited,
/// fixed32 float). Strict: a bad checksum or a truncated record is an error, not something to skip.
/// Prints <c>{"events":[{"wall_time","step","file_version","values":[{"tag","simple_value"}]}]}</c>; steps are
/// strings (int64 does not fit a JS number) and non-finite floats are the strings "NaN", "Infinity", "-Infinity".
/// </summary>
internal static class EventFileReaderScript
{
    public const string Source = """
        'use strict';
        const fs = require('fs');
        const buf = fs.readFileSync(process.argv[2]);

        const table = new Uint32Array(256);
        for (let n = 0; n < 256; n++) {
          let c = n;
          for (let k = 0; k < 8; k++) c = (c & 1) ? (0x82F63B78 ^ (c >>> 1)) : (c >>> 1);
          table[n] = c >>> 0;
        }
        function crc32c(bytes) {
          let c = 0xFFFFFFFF;
          for (const b of bytes) c = table[(c ^ b) & 0xFF] ^ (c >>> 8);
          return (c ^ 0xFFFFFFFF) >>> 0;
        }
        function maskedCrc(bytes) {
          const c = crc32c(bytes);
          return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) % 0x100000000;
        }

        function fail(message) { process.stderr.write(message + '\n'); process.exit(1); }

        function varint(bytes, pos) {
          let value = 0n, shift = 0n;
          for (;;) {
            if (pos >= bytes.length) fail('truncated varint');
            const b = bytes[pos++];
            value |= BigInt(b & 0x7f) << shift;
            if ((b & 0x80) === 0) return [value, pos];
            shift += 7n;
          }
        }

        // Calls onField(fieldNumber, wireType, value, dataView) for each field; value is a BigInt (varint),
        // a Buffer (length-delimited) or the byte offset of a fixed-width field.
        function fields(bytes, onField) {
          let pos = 0;
          while (pos < bytes.length) {
            let key;
            [key, pos] = varint(bytes, pos);
            const field = Number(key >> 3n), wire = Number(key & 7n);
            if (wire === 0) { let v; [v, pos] = varint(bytes, pos); onField(field, wire, v); }
            else if (wire === 1) { if (pos + 8 > bytes.length) fail('truncated fixed64'); onField(field, wire, pos); pos += 8; }
            else if (wire === 5) { if (pos + 4 > bytes.length) fail('truncated fixed32'); onField(field, wire, pos); pos += 4; }
            else if (wire === 2) {
              let len; [len, pos] = varint(bytes, pos);
              const end = pos + Number(len);
              if (end > bytes.length) fail('truncated length-delimited field');
              onField(field, wire, bytes.subarray(pos, end)); pos = end;
            }
            else fail('unexpected wire type ' + wire);
          }
        }

        function number(x) { return Number.isFinite(x) ? x : String(x); }

        function decodeEvent(bytes) {
          const event = { wall_time: 0, step: '0', file_version: null, values: [] };
          fields(bytes, (field, wire, v) => {
            if (field === 1 && wire === 1) event.wall_time = number(bytes.readDoubleLE(v));
            else if (field === 2 && wire === 0) event.step = BigInt.asIntN(64, v).toString();
            else if (field === 3 && wire === 2) event.file_version = v.toString('utf8');
            else if (field === 5 && wire === 2) fields(v, (sf, sw, sv) => {
              if (sf !== 1 || sw !== 2) return;
              const value = { tag: null, simple_value: null };
              fields(sv, (vf, vw, vv) => {
                if (vf === 1 && vw === 2) value.tag = vv.toString('utf8');
                else if (vf === 2 && vw === 5) value.simple_value = number(sv.readFloatLE(vv));
              });
              event.values.push(value);
            });
          });
          return event;
        }

        const events = [];
        let pos = 0;
        while (pos < buf.length) {
          if (pos + 12 > buf.length) fail('truncated record header at ' + pos);
          const lengthBytes = buf.subarray(pos, pos + 8);
          if (buf.readUInt32LE(pos + 8) !== maskedCrc(lengthBytes)) fail('length CRC mismatch at ' + pos);
          const length = Number(buf.readBigUInt64LE(pos));
          const start = pos + 12, end = start + length;
          if (end + 4 > buf.length) fail('truncated record data at ' + pos);
          const data = buf.subarray(start, end);
          if (buf.readUInt32LE(end) !== maskedCrc(data)) fail('data CRC mismatch at ' + pos);
          events.push(decodeEvent(data));
          pos = end + 4;
        }
        process.stdout.write(JSON.stringify({ events }));
        """;
}
