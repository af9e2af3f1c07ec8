// The CRC-32 lives in src/crc32.ts, shared with the simulator; the directory's name for it stays.
export { crc32 } from "../crc32.js";
