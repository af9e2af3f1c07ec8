// A protobuf wire scanner for the one length-delimited field we need before the generated
// types know it: @meshtastic/protobufs 2.7.18 has no Data.xeddsa_signature (field 10, added
// with firmware 2.8), and decoding with it drops the field into unknown fields. Reading the
// wire bytes directly keeps us independent of the package's version and of how protobuf-es
// keeps unknowns.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Reads one varint at `at`; null when it runs past the end or past 10 bytes (not protobuf). */
function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) return null;
    // Plain arithmetic, not bit shifts: lengths and tags past 2^31 must not wrap negative.
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return null;
}

/**
 * The bytes of length-delimited field `field` in an encoded message, or null when it is
 * absent or the message does not scan cleanly (truncated varint or length, a length past the
 * end, field number 0, group wire types, or `field` with a wire type other than LEN). A whole
 * message is scanned, not just up to the first hit: a message that would not decode must not
 * yield a field, and a repeated occurrence replaces the earlier one, as protobuf merges a
 * singular bytes field (nanopb and protobuf-es both keep the last).
 */
export function readBytesField(bytes: Uint8Array, field: number): Uint8Array | null {
  let found: Uint8Array | null = null;
  let at = 0;
  while (at < bytes.length) {
    const tag = readVarint(bytes, at);
    if (tag === null) return null;
    at = tag.next;
    const number = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (number === 0) return null;
    if (number === field && wire !== WIRE_LEN) return null;
    switch (wire) {
      case WIRE_VARINT: {
        const skipped = readVarint(bytes, at);
        if (skipped === null) return null;
        at = skipped.next;
        break;
      }
      case WIRE_I64:
        at += 8;
        break;
      case WIRE_I32:
        at += 4;
        break;
      case WIRE_LEN: {
        const length = readVarint(bytes, at);
        if (length === null) return null;
        const end = length.next + length.value;
        if (end > bytes.length) return null;
        if (number === field) found = bytes.slice(length.next, end);
        at = end;
        break;
      }
      default:
        // Groups (3, 4) and the unused wire types 6, 7: nothing in mesh.proto is a group.
        return null;
    }
    if (at > bytes.length) return null;
  }
  return found;
}
