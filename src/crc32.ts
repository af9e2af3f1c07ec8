// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the same value zlib's crc32()
// gives. Firmware 2.8 derives a node's number from crc32(public_key), so we need it to
// tell a renumbered device from a cloned key (FIRMWARE.md, "Keys and PKI"), and the
// simulator numbers its 2.8 nodes with it. Here, outside directory/, so sim/ may use it.

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The unsigned 32-bit CRC of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
