// CRC-32 (IEEE 802.3), as zlib computes it: firmware 2.8 derives a node's number from
// crc32(public_key) (NodeDB.cpp createNewIdentity), so we need it to tell a renumbered device
// from a cloned key (FIRMWARE.md, "Keys and PKI"), and the simulator numbers its 2.8 nodes with
// it. Node has it since 20.15 (package.json engines: ^20.19); here, outside directory/, so sim/
// and protocol/ may use it. The value is unsigned.
export { crc32 } from "node:zlib";
